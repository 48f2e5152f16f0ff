"""Commands for REFI-QDA exchange: ``export qdc|qdpx``, ``import-codebook``, ``import-qdpx``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from mpsp_qual.app import services
from mpsp_qual.cli.base import (
    HOLDS_WORDS_AND_NAMES,
    State,
    cli,
    internal_notice,
    pass_project,
    require_internal,
    warn_all,
)

if TYPE_CHECKING:
    from mpsp_qual.app.project import Project


def _suffix(expected: str):
    def check(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
        if value.suffix.lower() != expected:
            raise click.BadParameter(
                f"{value} does not end in {expected}; other tools only recognise {expected} files.",
                param_hint="'-o'",
            )
        return value

    return check


def _output(expected: str):
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        required=True,
        callback=_suffix(expected),
        help=f"The {expected} file to write.",
    )


@cli.group()
def export() -> None:
    """Export the codebook or the whole project for other QDA tools (REFI-QDA)."""


@export.command("qdc")
@_output(".qdc")
@pass_project
def export_qdc(project: Project, output: Path) -> None:
    """Write the codebook as a REFI-QDA codebook (.qdc).

    NVivo, ATLAS.ti, MAXQDA, QualCoder and others import it. Code GUIDs stay the same
    from one export to the next.

    \b
    Example:
      mpsp-qual export qdc -o codebook.qdc
    """

    codes = services.export_qdc(project, output=output)
    click.echo(f"Wrote {output} ({codes} codes).")


@export.command("qdpx")
@_output(".qdpx")
@click.option(
    "--internal",
    is_flag=True,
    help="Required: the project holds every transcript, the words of participants who "
    "declined quotes and the register's names included.",
)
@pass_project
def export_qdpx(project: Project, output: Path, internal: bool) -> None:
    """Write the project as a REFI-QDA project (.qdpx).

    Transcripts, codebook, every coder's codings (auto included), memos, and the
    participants still in the study as cases with their attributes and consent.
    A withdrawn participant's words are removed from the exported transcripts; the
    rest is not cleared for quoting, so the export needs --internal.

    \b
    Example:
      mpsp-qual export qdpx -o study.qdpx --internal
    """
    require_internal(output, internal, HOLDS_WORDS_AND_NAMES, printable=False)

    report = services.export_qdpx(project, output=output)
    warn_all(report.warnings)
    internal_notice(output)
    click.echo(
        f"Wrote {output}: {report.sources} sources, {report.selections} selections, "
        f"{report.codings} codings by {report.users} coder(s), {report.codes} codes, "
        f"{report.cases} cases, {report.notes} memos."
    )


@cli.command("import-codebook")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the codebook here (.yaml, .csv or .xlsx) instead of printing YAML.",
)
@click.option("--set", "set_", is_flag=True, help="Make it the project's codebook.")
@click.option("--force", is_flag=True, help="With --set: drop codes that have codings.")
@click.pass_obj
def import_codebook(state: State, file: Path, output: Path | None, set_: bool, force: bool) -> None:
    """Read a REFI-QDA codebook (.qdc, or the codebook of a .qdpx) into our format.

    Ids are made from the code names. Prints the YAML unless -o or --set is given.

    \b
    Example:
      mpsp-qual import-codebook from-nvivo.qdc -o codebooks/nvivo.yaml
      mpsp-qual -p study import-codebook from-nvivo.qdc --set
    """

    result = services.import_codebook(
        file, output=output, project=state.project if set_ else None, force=force
    )
    warn_all(result.warnings)
    codes = len(result.codebook)
    if output is not None:
        click.echo(f"Wrote {output} ({codes} codes).")
    if set_:
        click.echo(f"The project's codebook is now {result.codebook.name!r} ({codes} codes).")
    if output is None and not set_:
        click.echo(services.codebook_to_yaml(result.codebook), nl=False)


@cli.command("import-qdpx")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def import_qdpx(state: State, file: Path, directory: Path | None) -> None:
    """Create a project in DIRECTORY (default: the -p directory) from a .qdpx or .qde.

    Text sources, codes, codings (each tool user becomes a coder), memos and cases
    come in; pictures, PDFs, audio and video are skipped with a warning.

    \b
    Example:
      mpsp-qual import-qdpx from-atlas.qdpx study-from-atlas
    """

    target = directory or state.directory
    report = services.import_qdpx(file, target)
    warn_all(report.warnings)
    coders = ", ".join(report.coders) or "none"
    click.echo(
        f"Project ready in {target}: {report.documents} documents, {report.segments} segments, "
        f"{report.codes} codes, {report.codings} codings (coders: {coders}), "
        f"{report.participants} participants."
    )
