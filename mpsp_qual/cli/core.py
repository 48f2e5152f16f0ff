"""Commands that set a project up and list what is in it."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mpsp_qual.app import services
from mpsp_qual.cli.base import (
    HOLDS_FILE_NAMES,
    HOLDS_NAMES,
    HOLDS_WORDS_AND_NAMES,
    State,
    cli,
    emit,
    internal_option,
    output_options,
    pass_project,
    progress_bar,
    warn_all,
)
from mpsp_qual.core import vocab

if TYPE_CHECKING:
    from mpsp_qual.app.project import Project


def expand_globs(patterns: tuple[str, ...]) -> list[Path]:
    """Files from arguments that may be globs (for shells that do not expand them)."""
    out: list[Path] = []
    for pattern in patterns:
        if Path(pattern).exists():  # a real file named "int [draft].txt" is not a glob
            out.append(Path(pattern))
            continue
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else []
        if glob.has_magic(pattern) and not matches:
            raise click.BadParameter(f"no file matches {pattern!r}", param_hint="FILES")
        out.extend(Path(m) for m in matches or [pattern])
    return out


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--codebook",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Codebook (.yaml, .csv, .xlsx).",
)
@click.option(
    "--register",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Participants register (.csv, .xlsx).",
)
@click.pass_obj
def init(
    state: State, directory: Path | None, codebook: Path | None, register: Path | None
) -> None:
    """Create a project in DIRECTORY (default: the -p directory).

    \b
    Example:
      mpsp-qual init study --codebook codebooks/partnerships.yaml --register participants.csv
    """
    target = directory or state.directory
    from mpsp_qual.app.project import Project

    with Project.init(target, codebook=codebook, register=register) as project:
        n = len(project.codebook) if project.has_codebook() else 0
        click.echo(
            f"Project ready in {target} ({n} codes, {len(project.participants())} participants)."
        )


@cli.command("import")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--register",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Participants register to load first.",
)
@click.option(
    "--unit",
    type=click.Choice(vocab.UNITS),
    default=None,
    help="Segment by turn (the default) or by sentence.",
)
@click.option("--replace", is_flag=True, help="Re-import files that changed (drops their codings).")
@click.option(
    "--speaker", metavar="NAME", help="Who speaks, for transcripts without speaker labels."
)
@click.option(
    "--dry-run", is_flag=True, help="Read and check every file, say how, and write nothing."
)
@pass_project
def import_(
    project: Project, files: tuple[str, ...], register, unit, replace, speaker, dry_run
) -> None:
    """Import transcripts (.txt .md .docx .vtt .srt): files, folders or globs.

    The layout (Teams, Word Transcribe, Zoom, Otter, Rev, Meet, aTrain, Descript,
    typists' files) is detected from each file's content and reported per file.

    \b
    Example:
      mpsp-qual import interviews/ --register participants.csv
      mpsp-qual import "interviews/*.vtt" --unit sentence
      mpsp-qual import interviews/ --dry-run
    """
    paths = services.expand_paths(expand_globs(files))
    with progress_bar(len(paths), "Importing") as bar:
        report = project.import_transcripts(
            paths,
            register=register,
            unit=unit,
            replace=replace,
            speaker=speaker,
            progress=lambda done, name: bar.update(1),
            dry_run=dry_run,
        )
    for line in report.read:
        click.echo(line)
    warn_all(report.warnings)
    if report.dry_run:
        would = f"{len(report.imported)} would be imported"
        if report.replaced:
            would += f", {len(report.replaced)} replaced"
        click.echo(f"Dry run, nothing written: {would}, {len(report.unchanged)} unchanged.")
        return
    parts = [f"{len(report.imported)} imported"]
    if report.replaced:
        parts.append(f"{len(report.replaced)} replaced")
    parts.append(f"{len(report.unchanged)} unchanged")
    click.echo(f"{', '.join(parts)}; {report.segments} new segments.")


@cli.command()
@click.argument("register", type=click.Path(dir_okay=False, path_type=Path))
@pass_project
def register(project: Project, register: Path) -> None:
    """Load or update the participants register (.csv or .xlsx).

    A participant who withdrew stays withdrawn whatever the register says.
    """
    warn_all(project.load_register(register))
    click.echo(f"Register loaded: {len(project.participants())} participants.")


@cli.command()
@output_options
@internal_option
@pass_project
def documents(project: Project, fmt: str, output: Path | None, internal: bool) -> None:
    """List the imported documents.

    Their file names may name an organisation, so -o FILE needs --internal.
    """
    emit(project.documents(), fmt, output, holds=HOLDS_FILE_NAMES, internal=internal)


@cli.command()
@click.option("--document", help="Only this document (file name).")
@output_options
@internal_option
@pass_project
def turns(
    project: Project, document: str | None, fmt: str, output: Path | None, internal: bool
) -> None:
    """List every speaker turn, the interviewer's included.

    The turns hold every participant's words, those who declined quotes included, so
    -o FILE needs --internal (and the file is marked internal).

    \b
    Example:
      mpsp-qual turns --document int01.txt
      mpsp-qual turns -o turns.xlsx --internal
    """
    # A withdrawn participant's words are listed nowhere.
    frame = project.turns(document=document, include_withdrawn=False)
    emit(frame, fmt, output, holds=HOLDS_WORDS_AND_NAMES, internal=internal)


@cli.command()
@output_options
@internal_option
@pass_project
def participants(project: Project, fmt: str, output: Path | None, internal: bool) -> None:
    """List the participants register with consent and attributes.

    The register names people and organisations, so -o FILE needs --internal.
    """
    emit(project.participants(), fmt, output, holds=HOLDS_NAMES, internal=internal)


@cli.command()
@click.argument(
    "outdir",
    required=False,
    default="demo-output",
    type=click.Path(file_okay=False, path_type=Path),
)
def demo(outdir: Path) -> None:
    """Run the whole pipeline on the sample interviews into OUTDIR.

    Imports transcripts_sample/, auto-codes it, compares a second coder, writes
    quotes, the summary workbook and REFI-QDA files, and verifies the sample draft.

    \b
    Example:
      mpsp-qual demo demo-output
    """

    def show(title, frame):
        click.echo(f"\n{title}\n{services.to_terminal(frame)}")

    services.run_demo(outdir, log=click.echo, show=show).close()
    click.echo(f"\nDemo finished; outputs in {outdir}/, project in {outdir}/project/.")
