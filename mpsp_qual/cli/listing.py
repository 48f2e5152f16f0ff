"""Commands that list segments and codings."""

from __future__ import annotations

from pathlib import Path

import click

from ..project import Project
from .base import cli, emit, output_options, pass_project


@cli.command()
@click.option("--document", help="Only this document (file name).")
@click.option("--participants-only", is_flag=True, help="Only segments spoken by a participant.")
@output_options
@pass_project
def segments(
    project: Project, document: str | None, participants_only: bool, fmt: str, output: Path | None
) -> None:
    """List the coding units (segments) with their offsets."""
    emit(project.segments(document=document, participants_only=participants_only), fmt, output)
