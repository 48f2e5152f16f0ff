"""``python -m mpsp_qual`` runs the command line."""

from .cli import main

main()
