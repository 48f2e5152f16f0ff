"""``python -m mpsp_qual`` runs the command line."""

from mpsp_qual.cli import main

main()
