"""The ``mpsp-qual`` command line: a thin layer over the library.

Each submodule adds its commands to the one group in :mod:`.base`.
"""

from __future__ import annotations

from mpsp_qual.cli import (  # noqa: F401  (register commands)
    analysis,
    coding,
    core,
    exchange,
    listing,
    quotes,
    sheets,
    workspace,
)
from mpsp_qual.cli.base import cli


def main() -> None:
    """Entry point of the ``mpsp-qual`` console script."""
    cli(prog_name="mpsp-qual")


__all__ = ["cli", "main"]
