"""Commands for coding: auto-coding, the code and coding listings, and the codebook."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from mpsp_qual.app import services
from mpsp_qual.cli.base import (
    HOLDS_WORDS_AND_NAMES,
    cli,
    emit,
    internal_option,
    output_options,
    pass_project,
    progress_bar,
    require_internal,
)

if TYPE_CHECKING:
    from mpsp_qual.app.project import Project


#: Columns of ``codebook show`` in the terminal (csv/json/-o get every column).
CODEBOOK_TABLE_COLUMNS = ["id", "level", "name", "codable", "fuzzy", "keywords", "exclude_keywords"]


@cli.command()
@click.option("--dry-run", is_flag=True, help="Match and count, but change nothing.")
@output_options
@pass_project
def autocode(project: Project, dry_run: bool, fmt: str, output: Path | None) -> None:
    """Auto-code participant segments with the codebook's keywords (coder "auto").

    Replaces the auto coder's earlier codings; other coders' are never touched.

    \b
    Example:
      mpsp-qual autocode --dry-run
      mpsp-qual autocode --format csv -o auto-counts.csv
    """
    with progress_bar(len(project.documents()), "Auto-coding") as bar:
        counts = services.autocode(
            project, dry_run=dry_run, progress=lambda done, name: bar.update(1)
        )
    segments, codings = counts.attrs["segments"], counts.attrs["codings"]
    emit(counts, fmt, output, title="Segments and participants coded, per code:")
    if dry_run:
        summary = f"Dry run: {codings} codings on {segments} participant segments; nothing saved."
    else:
        summary = f"Auto-coded {segments} participant segments: {codings} codings."
    click.echo(summary, err=fmt != "table" or output is not None)


@cli.command()
@output_options
@pass_project
def codes(project: Project, fmt: str, output: Path | None) -> None:
    """List the codes with, per coder, the segments and participants coded.

    Counts are direct: a parent's count does not include its children's.
    """
    emit(
        services.code_counts(project),
        fmt,
        output,
        title="Codes; per coder, segments and participants coded (direct counts, children not rolled up):",
    )


@cli.command()
@click.option("--coder", metavar="NAME", help="Only this coder's codings.")
@output_options
@internal_option
@pass_project
def codings(
    project: Project, coder: str | None, fmt: str, output: Path | None, internal: bool
) -> None:
    """List every coding with its span (start-end in the document text) and evidence.

    The speakers' names and the evidence (their words) are not cleared for quoting,
    so -o FILE needs --internal (and the file is marked internal).

    \b
    Example:
      mpsp-qual codings --coder auto
      mpsp-qual codings --format json -o codings.json --internal
    """
    require_internal(output, internal, HOLDS_WORDS_AND_NAMES)
    from mpsp_qual.app.workspace import coding_list

    frame = coding_list(project, coder=coder)
    if fmt != "json" and not (output is not None and output.suffix.lower() == ".json"):
        frame["evidence"] = frame["evidence"].map(services.format_evidence)
    emit(frame, fmt, output, holds=HOLDS_WORDS_AND_NAMES, internal=internal)


@cli.group()
def codebook() -> None:
    """Show, check or replace the project's codebook."""


@codebook.command("show")
@output_options
@pass_project
def codebook_show(project: Project, fmt: str, output: Path | None) -> None:
    """Show the project's codebook, one row per code.

    The terminal table shows the main columns; --format csv|json and -o give them all.
    """
    frame = services.codebook_frame(project.codebook)
    if fmt == "table" and output is None:
        frame = frame[CODEBOOK_TABLE_COLUMNS]
    cb = project.codebook
    emit(frame, fmt, output, title=f"{cb.name} (version {cb.version}), {len(cb)} codes:")


@codebook.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def codebook_check(file: Path) -> None:
    """Check a codebook file (.yaml, .csv, .xlsx) and report every problem in it.

    \b
    Example:
      mpsp-qual codebook check codebooks/partnerships.yaml
    """
    cb = services.load_codebook(file)
    click.echo(f"{file}: OK, {len(cb)} codes ({len(cb.codable())} codable).")


@codebook.command("set")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--force", is_flag=True, help="Also drop the codings of codes the new codebook lacks."
)
@pass_project
def codebook_set(project: Project, file: Path, force: bool) -> None:
    """Replace the project's codebook with FILE.

    Refuses a codebook that drops codes which have codings, unless --force.

    \b
    Example:
      mpsp-qual codebook set codebooks/partnerships-v2.yaml
    """
    dropped = project.set_codebook(file, force=force)
    message = f"Codebook set from {file}: {len(project.codebook)} codes."
    if dropped:
        message += f" Dropped the codings of {', '.join(dropped)}."
    click.echo(message)
