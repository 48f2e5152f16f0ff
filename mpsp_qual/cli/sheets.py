"""Commands for human coders: coding sheets, agreement between coders, reconciliation."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mpsp_qual.app import services
from mpsp_qual.cli.base import (
    HOLDS_WORDS_AND_NAMES,
    cli,
    emit,
    internal_notice,
    output_options,
    pass_project,
    require_internal,
    warn,
)

if TYPE_CHECKING:
    from mpsp_qual.app.project import Project


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _split(values: tuple[str, ...]) -> list[str]:
    """Option values given repeated or comma-separated, in order."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@cli.group()
def sheet() -> None:
    """Export coding sheets for human coders, and import them filled in."""


@sheet.command("export")
@click.option("--coder", required=True, metavar="NAME", help="Who will code this sheet.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The workbook to write (.xlsx).",
)
@click.option(
    "--documents",
    multiple=True,
    metavar="NAMES",
    help="Only these documents (file names; repeat or separate with commas).",
)
@click.option(
    "--sample",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    metavar="FRACTION",
    help="A random share of the segments, e.g. 0.3, for a reliability sample.",
)
@click.option("--seed", type=int, default=None, help="Seed of the sample (printed if not given).")
@click.option(
    "--with-suggestions",
    is_flag=True,
    help="Pre-fill the auto codes (off by default so that the coder works blind).",
)
@click.option(
    "--internal",
    is_flag=True,
    help="Required: the sheet holds every participant's words, those who declined quotes "
    "included; it is marked internal on every sheet and page, for the team's coders only.",
)
@pass_project
def sheet_export(
    project: Project,
    coder: str,
    output: Path,
    documents: tuple[str, ...],
    sample: float | None,
    seed: int | None,
    with_suggestions: bool,
    internal: bool,
) -> None:
    """Write a coding sheet: one row per participant segment, one column per code.

    The coder marks x (or 1) under each code that applies, marks the row done (or
    "no code applies") when finished, and may write a memo; only rows marked done
    are recorded. The hidden columns (segment id, text hash) must stay as they are.
    The sheet holds every participant's words, those who declined quotes included:
    --internal says you know, and the sheet says it on every sheet and printed page.

    \b
    Example:
      mpsp-qual sheet export --coder bob -o bob.xlsx --sample 0.3 --seed 7 --internal
      mpsp-qual sheet export --coder alice -o alice.xlsx --documents int01.txt --internal
    """
    if output.suffix.lower() != ".xlsx":
        raise click.BadParameter("the coding sheet must be an .xlsx file", param_hint="-o")
    require_internal(output, internal, HOLDS_WORDS_AND_NAMES, printable=False)
    if sample is not None and seed is None:
        seed = secrets.randbelow(1_000_000)
    n = services.export_sheet(
        project,
        output,
        coder=coder,
        documents=_split(documents) or None,
        sample=sample,
        seed=seed,
        with_suggestions=with_suggestions,
    )
    what = f"a {sample:.0%} sample, seed {seed}" if sample is not None else "all"
    click.echo(f"Wrote {output}: {_n(n, 'segment')} ({what}) for coder {coder.strip()}.")
    internal_notice(output)


@sheet.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--coder",
    metavar="NAME",
    default=None,
    help="Check the sheet is this coder's (or name the coder if the sheet lost it).",
)
@pass_project
def sheet_import(project: Project, file: Path, coder: str | None) -> None:
    """Record a filled coding sheet as its coder's codings and memos.

    Only rows marked done (or "no code applies") are recorded. The whole sheet is
    refused, every problem listed by cell, if anything is wrong. Importing a
    coder's sheet again replaces their codings on its finished rows.

    \b
    Example:
      mpsp-qual sheet import bob.xlsx
    """
    summary = services.import_sheet(project, file, coder=coder)
    if summary["not_done"]:
        one = len(summary["not_done"]) == 1
        warn(
            f"{_n(len(summary['not_done']), 'row')} of {summary['file']} "
            f"{'has' if one else 'have'} codes marked but {'is' if one else 'are'} not marked "
            f"done; {'it was' if one else 'they were'} not recorded (mark "
            f"{'it' if one else 'them'} done and import again)."
        )
    if not summary["segments"]:
        warn(
            f"no row of {summary['file']} is marked done or 'no code applies', so nothing was "
            "recorded; mark each finished row and import the sheet again."
        )
    skipped = summary["skipped_withdrawn"]
    if skipped:
        warn(f"skipped {_n(len(skipped), 'segment')} of withdrawn participants.")
    if summary["missing_codes"]:
        warn(
            f"the sheet has no column for {', '.join(summary['missing_codes'])}; those codes "
            "are recorded as not applied (export a new sheet to code them)."
        )
    click.echo(
        f"Imported {summary['file']} for coder {summary['coder']}: "
        f"{_n(summary['segments'], 'segment')}, {_n(summary['codings'], 'code')}, "
        f"{_n(summary['memos'], 'memo')}."
    )


@cli.command()
@click.option(
    "--coders",
    required=True,
    metavar="A,B[,C]",
    help="Two or more coders, separated by commas (e.g. alice,bob or bob,auto).",
)
@click.option(
    "--disagreements",
    is_flag=True,
    help="Write the segments where the coders differ to -o FILE.xlsx (the table is printed); "
    "needs --internal.",
)
@click.option(
    "--internal",
    is_flag=True,
    help="Required with --disagreements: the workbook holds the participants' words, those "
    "who declined quotes included; it is marked internal on every sheet and page.",
)
@click.option(
    "--n-boot",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Bootstrap resamples for alpha's 95% interval.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap.")
@output_options
@pass_project
def agreement(
    project: Project,
    coders: str,
    disagreements: bool,
    internal: bool,
    n_boot: int,
    seed: int,
    fmt: str,
    output: Path | None,
) -> None:
    """Show agreement between coders per code: %, kappa, Krippendorff's alpha.

    Computed over the segments every named coder coded; each code is a yes/no
    decision per segment. Verdict: alpha >= 0.800 reliable, >= 0.667 tentative.
    The disagreements workbook holds the participants' words (for the reconciliation
    meeting), so it needs --internal and is marked internal on every sheet and page.

    \b
    Example:
      mpsp-qual agreement --coders alice,bob
      mpsp-qual agreement --coders alice,bob --disagreements -o meeting.xlsx --internal
      mpsp-qual reconcile meeting.xlsx
    """
    if disagreements and (output is None or output.suffix.lower() != ".xlsx"):
        raise click.UsageError("--disagreements needs -o FILE.xlsx to write them to.")
    if disagreements:
        require_internal(output, internal, HOLDS_WORDS_AND_NAMES, printable=False)
    report = services.agreement_report(project, _split((coders,)), n_boot=n_boot, seed=seed)
    heading = services.describe_units(report)
    shown = services.rounded(report) if fmt == "table" else report
    table_output = None if disagreements else output
    if table_output is None and fmt == "table":
        emit(shown, fmt, None, title=heading)
    else:
        click.echo(heading, err=True)
        emit(shown, fmt, table_output)
    if disagreements:
        n = services.write_disagreements(project, report.attrs["coders"], output)
        click.echo(f"Wrote {output}: {_n(n, 'segment')} where the coders differ.", err=True)
        internal_notice(output)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_project
def reconcile(project: Project, file: Path) -> None:
    """Record the reconciled codes of a disagreements workbook as coder consensus.

    Segments the coders agreed on take their agreed codes; the rows of FILE take
    the codes in its consensus column.

    \b
    Example:
      mpsp-qual agreement --coders alice,bob --disagreements -o meeting.xlsx --internal
      mpsp-qual reconcile meeting.xlsx
    """
    summary = services.reconcile(project, file)
    click.echo(
        f"Recorded consensus of {', '.join(summary['coders'])}: "
        f"{_n(summary['segments'], 'segment')} ({summary['resolved']} from {summary['file']}), "
        f"{_n(summary['codings'], 'code')}."
    )
