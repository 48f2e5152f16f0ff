"""Commands for the analyst: prevalence, matrices, survey agreement and the summary workbook.

Each prints a heading line saying whose codings counted (on stderr when the table
goes to a file or is CSV/JSON, so that machine output stays clean).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from mpsp_qual.app import services
from mpsp_qual.cli.base import (
    HOLDS_WORDS,
    cli,
    coder_option,
    emit,
    internal_option,
    output_options,
    pass_project,
    require_internal,
    warn,
)

if TYPE_CHECKING:
    import pandas as pd

    from mpsp_qual.app.project import Project


MATRIX_KINDS = ("case-code", "cooccurrence", "cooccurrence-participants")


def _split(values: tuple[str, ...]) -> list[str] | None:
    """Option values given repeated or comma-separated, in order."""
    items = [v.strip() for value in values for v in value.split(",") if v.strip()]
    return items or None


def _emit(frame: pd.DataFrame, fmt: str, output: Path | None, heading: str, **internal) -> None:
    if output is None and fmt == "table":
        emit(frame, fmt, output, title=heading)
    else:
        click.echo(heading, err=True)
        emit(frame, fmt, output, **internal)


def _coder_heading(frame: pd.DataFrame) -> str:
    return f"Coder: {frame.attrs['coder']}; n = {frame.attrs['n']} participants"


@cli.command()
@coder_option
@click.option("--by", metavar="ATTRIBUTE", help="A register column (sector, role, ...).")
@output_options
@pass_project
def prevalence(
    project: Project, coder: str | None, by: str | None, fmt: str, output: Path | None
) -> None:
    """Show how many segments, documents and participants each code covers.

    Parent codes roll up their children; % of participants is of those with at
    least one segment (n), withdrawn participants left out.

    \b
    Example:
      mpsp-qual prevalence
      mpsp-qual prevalence --by sector --format csv -o prevalence.csv
    """
    frame = services.prevalence(project, coder=coder, by=by)
    heading = _coder_heading(frame)
    if by is not None:
        sizes = frame.drop_duplicates(by)[[by, "n"]]
        heading += (
            " ("
            + ", ".join(f"{g or '(blank)'}: {n}" for g, n in sizes.itertuples(index=False))
            + ")"
        )
    _emit(frame, fmt, output, heading)


@cli.command()
@coder_option
@click.option(
    "--kind",
    type=click.Choice(MATRIX_KINDS),
    default="case-code",
    show_default=True,
    help="Participants by codes, or codes by codes counting segments or participants.",
)
@click.option("--codes", multiple=True, metavar="IDS", help="Only these codes (comma-separated).")
@output_options
@pass_project
def matrix(
    project: Project,
    coder: str | None,
    kind: str,
    codes: tuple[str, ...],
    fmt: str,
    output: Path | None,
) -> None:
    """Show a case x code or a code co-occurrence matrix.

    \b
    Example:
      mpsp-qual matrix
      mpsp-qual matrix --kind cooccurrence --codes misaligned-values,capacity-constraints
      mpsp-qual matrix --kind cooccurrence-participants -o cooccurrence.xlsx
    """
    if kind == "case-code":
        frame = services.case_code(project, coder=coder, codes=_split(codes))
    else:
        unit = "segments" if kind == "cooccurrence" else "participants"
        frame = services.cooccurrence(project, coder=coder, unit=unit, codes=_split(codes))
    _emit(frame, fmt, output, _coder_heading(frame))


@cli.command()
@coder_option
@click.option(
    "--codes", multiple=True, metavar="IDS", help="Themes (default: the top-level codes)."
)
@click.option(
    "--words", type=click.IntRange(min=1), default=40, show_default=True, help="Words per excerpt."
)
@output_options
@internal_option
@pass_project
def framework(
    project: Project,
    coder: str | None,
    codes: tuple[str, ...],
    words: int,
    fmt: str,
    output: Path | None,
    internal: bool,
) -> None:
    """Show the framework matrix: participants by themes, with their coded excerpts.

    For the research team's analysis, not for quoting: it includes participants who
    declined quotes (never withdrawn ones), so -o FILE needs --internal (and the file
    is marked internal on every sheet and page).

    \b
    Example:
      mpsp-qual framework
      mpsp-qual framework -o framework.xlsx --internal
      mpsp-qual framework --codes misaligned-values,capacity-constraints --words 25
    """
    require_internal(output, internal, HOLDS_WORDS)
    frame = services.framework_matrix(project, coder=coder, codes=_split(codes), words=words)
    _emit(frame, fmt, output, _coder_heading(frame), holds=HOLDS_WORDS, internal=internal)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--by", metavar="ATTRIBUTE", help="A survey column to group by (sector, ...).")
@click.option(
    "--agree",
    "agree",
    multiple=True,
    metavar="LEVELS",
    help='Levels that count as agree, e.g. "4,5" (default) or "5" or "Strongly agree".',
)
@click.option(
    "--statement",
    "statements",
    multiple=True,
    metavar="COLUMN",
    help="A statement column (repeatable); without it, statements are detected.",
)
@click.option(
    "--attribute",
    "attributes",
    multiple=True,
    metavar="COLUMN",
    help="A column that is an attribute whatever it holds (repeatable), e.g. a 1-3 band.",
)
@output_options
def survey(
    file: Path,
    by: str | None,
    agree: tuple[str, ...],
    statements: tuple[str, ...],
    attributes: tuple[str, ...],
    fmt: str,
    output: Path | None,
) -> None:
    """Show per statement the % who agree, with n and the 95% Wilson interval.

    Blank and "Don't know" answers are left out of n; yes/no items show % yes.

    \b
    Example:
      mpsp-qual survey survey.csv
      mpsp-qual survey survey.csv --by sector --agree 5 --format csv
    """

    responses = services.read_survey(file)
    frame = services.survey_agreement(
        responses,
        by=by,
        agree=_split(agree),
        statements=list(statements) or None,
        attributes=list(attributes) or None,
    )
    levels = ", ".join(str(level) for level in frame.attrs["agree"])
    chosen = set(frame["statement"])
    others = [c for c in responses.columns if c != "participant_id" and c not in chosen]
    note = f"; read as attributes, not statements: {', '.join(others)}" if others else ""
    _emit(frame, fmt, output, f"Agree = levels {levels}; 95% Wilson interval{note}")


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("summary.xlsx"),
    show_default=True,
    help="The summary workbook (.xlsx) or the findings draft (.docx) to write.",
)
@coder_option
@click.option(
    "--survey",
    "survey_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Survey responses (.csv or .xlsx) for the Survey sheet, chapter and charts.",
)
@click.option(
    "--by", multiple=True, metavar="ATTRIBUTE", help="Break prevalence down by (repeatable)."
)
@click.option("--agree", multiple=True, metavar="LEVELS", help="Survey levels that count as agree.")
@click.option(
    "--charts",
    "charts_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write every chart to this folder as PNG and SVG.",
)
@click.option(
    "--internal",
    is_flag=True,
    help="Also write the Framework matrix (verbatim excerpts not cleared for quoting) and "
    "transcript names; every sheet and page is then marked internal.",
)
@pass_project
def report(
    project: Project,
    output: Path,
    coder: str | None,
    survey_file: Path | None,
    by: tuple[str, ...],
    agree: tuple[str, ...],
    charts_dir: Path | None,
    internal: bool,
) -> None:
    """Write the summary workbook or the findings draft (by -o's extension), and charts.

    Without --internal the workbook holds no participant's words but approved,
    redacted quotes, so it can leave the team; the findings draft (.docx) has a
    chapter per theme with its figures, chart and approved quotes, and never holds
    anything else.

    \b
    Example:
      mpsp-qual report -o summary.xlsx --survey survey.csv --by sector --by role
      mpsp-qual report -o findings.docx --by sector --charts charts/
      mpsp-qual report -o team-summary.xlsx --internal
    """
    suffix = output.suffix.lower()
    if suffix not in (".xlsx", ".docx"):
        raise click.ClickException(
            f"{output}: the report is written as .xlsx (the summary workbook) or .docx (the "
            "findings draft); name the file e.g. summary.xlsx or findings.docx."
        )
    if suffix == ".docx" and internal:
        raise click.UsageError(
            "--internal is for the workbook; the findings draft never holds "
            "text not cleared for quoting."
        )
    attributes = _split(by) or []
    agreement = None
    if survey_file is not None and (suffix == ".docx" or charts_dir is not None):
        agreement = services.survey_agreement(
            services.read_survey(survey_file), agree=_split(agree)
        )
    if suffix == ".docx":
        if len(attributes) > 1:
            warn(f"the findings draft breaks down by one attribute: {attributes[0]}.")
        findings = services.write_findings(
            project,
            output,
            coder=coder,
            by=attributes[0] if attributes else None,
            survey=agreement,
        )
        click.echo(
            f"Wrote {findings.path} (coder {findings.coder}; {findings.themes} themes, "
            f"{findings.quotes} approved quotes)."
        )
    else:
        summary = services.write_summary(
            project,
            output,
            coder=coder,
            survey=survey_file,
            by=attributes,
            agree=_split(agree),
            optional=True,
            internal=internal,
        )
        for note in summary.notes:
            warn(note)
        click.echo(
            f"Wrote {summary.path} (coder {summary.coder}; sheets: {', '.join(summary.sheets)})."
        )
    if charts_dir is not None:
        files = services.write_charts(project, charts_dir, coder=coder, survey=agreement)
        click.echo(f"Wrote {len(files)} chart files (PNG and SVG) to {charts_dir}.")
