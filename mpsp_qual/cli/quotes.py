"""Commands for quotes: the quote bank, approval requests, draft verification, withdrawal."""

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
    warn_all,
)
from mpsp_qual.core import vocab

if TYPE_CHECKING:
    from mpsp_qual.app.project import Project


SHOWN = [
    "quote_id",
    "code",
    "participant_id",
    "attribution",
    "start_time",
    "words",
    "status",
    "text",
]


def bank_options(f):
    """The options that pick quotes, shared by ``quotes`` and ``quotes request``."""
    f = click.option(
        "--max-words",
        type=click.IntRange(min=1),
        default=120,
        show_default=True,
        help="Longest quote, in words.",
    )(f)
    f = click.option(
        "--min-words",
        type=click.IntRange(min=1),
        default=10,
        show_default=True,
        help="Shortest quote, in words.",
    )(f)
    f = click.option(
        "--redact",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Extra names to redact, one a line ('org: Name' for an organisation).",
    )(f)
    f = coder_option(f)
    f = click.option("--code", "code", metavar="ID", help="Only this code and the codes below it.")(
        f
    )
    return f


@cli.group(invoke_without_command=True)
@bank_options
@click.option(
    "--status",
    type=click.Choice(vocab.QUOTE_STATUSES),
    default="approved",
    show_default=True,
    help="approved: what may go in the report; pending: awaiting a decision; all: both.",
)
@click.option(
    "--attribution",
    type=click.Choice(vocab.ATTRIBUTIONS),
    default="label",
    show_default=True,
    help="label ('Health PSM'), or named for participants who agreed to be named.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the bank to FILE (.md, .docx, .xlsx or .csv) instead of printing it.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("table", "csv", "json")),
    default="table",
    show_default=True,
    help="How to print the list.",
)
@click.pass_context
def quotes(ctx, code, coder, redact, min_words, max_words, status, attribution, output, fmt):
    """List or write the quote bank: consented, approved, attributed and redacted quotes.

    Participants who declined quotes or withdrew never appear, whatever the options.
    Names and organisations in the quote text are redacted, and a file (.md, .docx,
    .xlsx, .csv, .json) names no transcript: its quote ids are the public ones that
    approval requests carry, so a bank file can leave the team.

    \b
    Examples:
      mpsp-qual quotes --code challenges
      mpsp-qual quotes --status pending
      mpsp-qual quotes --attribution named --redact names.txt -o quotes.docx
    """
    if ctx.invoked_subcommand is not None:
        return
    project: Project = ctx.obj.project
    options = dict(
        code=code,
        coder=coder,
        status=status,
        attribution=attribution,
        redact=redact,
        min_words=min_words,
        max_words=max_words,
    )
    if output is not None:
        n = services.write_quote_bank(project, output, **options)
        click.echo(f"Wrote {output} ({n} quotes).", err=True)
        return
    frame = services.quote_bank(project, **options)
    emit(frame[SHOWN], fmt, None)


@quotes.command("request")
@bank_options
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="The folder to write one workbook per participant into (or FILE.xlsx with --participant).",
)
@click.option(
    "--participant",
    metavar="ID",
    default=None,
    help="Only this participant's workbook.",
)
@click.option(
    "--draft",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ask about the quotes this report draft uses instead of the bank's candidates.",
)
@click.option(
    "--all", "all_", is_flag=True, help="Include quotes already decided (decisions filled in)."
)
@pass_project
def request(
    project: Project, code, coder, redact, min_words, max_words, output, participant, draft, all_
):
    """Write one workbook per participant asking them to approve their quotes.

    Each workbook holds only that participant's quotes, with a Decision dropdown
    (approved, declined, approved with edits) and a column for the edited text;
    its quote ids name no transcript, so it can be sent as it is. Import the
    returned workbooks with `quotes approve`.

    \b
    Examples:
      mpsp-qual quotes request -o requests/
      mpsp-qual quotes request --participant P03 -o P03.xlsx
      mpsp-qual quotes request --draft report.docx -o requests/
    """
    single = output.suffix.lower() == ".xlsx"
    if single and participant is None:
        raise click.UsageError(
            "quote requests are one workbook per participant: give a folder (-o requests/), "
            "or --participant ID with -o FILE.xlsx."
        )
    frame = services.request_quotes(
        project,
        code=code,
        coder=coder,
        status="all" if all_ else "pending",
        draft=draft,
        redact=redact,
        min_words=min_words,
        max_words=max_words,
    )
    if single:
        mine = frame[frame["participant_id"] == participant]
        if mine.empty:
            raise click.ClickException(
                f"there are no quotes of {participant} to ask about; check the participant id, "
                "or pass --all to include quotes already decided."
            )
        n = services.write_requests(project, mine, output)
        click.echo(f"Wrote {output}: {n} quotes for {participant}.")
        return
    files = services.write_request_folder(project, frame, output, participant=participant)
    n = sum(len(frame[frame["participant_id"] == pid]) for pid in files)
    if not files:
        warn("there are no pending quotes to ask about; nothing was written.")
    click.echo(f"Wrote {len(files)} workbooks to {output}: {n} quotes, one file per participant.")


@quotes.command("approve")
@click.argument("workbooks", nargs=-1, required=True, type=click.Path(path_type=Path))
@pass_project
def approve(project: Project, workbooks: tuple[Path, ...]) -> None:
    """Record the decisions of filled-in request workbooks (files, or a folder of them).

    Nothing of a workbook is recorded if any of its rows has a problem: a quote
    whose transcript was re-imported since the workbook was written (request the
    quotes again), or an edited text that is not an edit of its quote or repeats
    someone else's words.

    \b
    Example:
      mpsp-qual quotes approve requests/P01.xlsx requests/P03.xlsx
      mpsp-qual quotes approve requests/
    """
    files = [
        f
        for w in workbooks
        for f in (sorted(w.glob("*.xlsx")) if w.is_dir() else [w])
        if not f.name.startswith("~$")  # Excel's lock files beside an open workbook
    ]
    if not files:
        raise click.ClickException(
            f"{workbooks[0]} holds no .xlsx workbooks; give the returned request workbooks."
        )
    for workbook in files:
        report = services.approve_quotes(project, workbook)
        for note in report.notes:
            warn(note)
        counts = ", ".join(f"{n} {d}" for d, n in sorted(report.counts.items())) or "none"
        where = f"{workbook.name}: " if len(files) > 1 else ""
        click.echo(
            f"{where}Recorded {report.recorded} decisions ({counts}); {report.unchanged} "
            f"unchanged, {report.undecided} still pending."
        )


@quotes.command("require-approval")
@click.argument("setting", type=click.Choice(("on", "off")), required=False)
@pass_project
def require_approval_cmd(project: Project, setting: str | None) -> None:
    """Show, or switch on or off, whether only approved quotes reach the report bank.

    \b
    Example:
      mpsp-qual quotes require-approval off
    """
    if setting is not None:
        services.set_require_approval(project, setting == "on")
    state = "on" if services.require_approval(project) else "off"
    click.echo(f"Quote approval required: {state}.")


@cli.command()
@click.argument("draft", type=click.Path(dir_okay=False, path_type=Path))
@output_options
@internal_option
@pass_project
def verify(project: Project, draft: Path, fmt: str, output: Path | None, internal: bool) -> None:
    """Check every quote in a report draft against the transcripts, consent and approval.

    Exits with status 1 if any quote is not found, is by a participant who declined
    quotes or withdrew, or is not approved. The table shows the transcript's words
    beside the draft's, whoever said them, so -o FILE needs --internal.

    \b
    Example:
      mpsp-qual verify report.docx
      mpsp-qual verify report.docx -o checked.xlsx --internal
    """
    require_internal(output, internal, HOLDS_WORDS)

    result = services.verify_draft(project, draft)
    shown = (
        result
        if output is not None or fmt != "table"
        else result[
            [
                "passage",
                "location",
                "match",
                "participant_id",
                "consent",
                "approval",
                "problem",
                "diff",
                "text",
            ]
        ]
    )
    emit(shown, fmt, output, holds=HOLDS_WORDS, internal=internal)
    summary = services.verify_summary(result)
    if len(result) and not result["ok"].all():
        raise click.ClickException(summary)
    click.echo(summary, err=True)


@cli.group()
def participant() -> None:
    """Manage one participant (withdrawal)."""


@participant.command("withdraw")
@click.argument("participant_id", metavar="ID")
@click.option(
    "--purge", is_flag=True, help="Also delete every word of theirs from the project file."
)
@pass_project
def withdraw_cmd(project: Project, participant_id: str, purge: bool) -> None:
    """Withdraw a participant: excluded from every count, sheet and quote from now on.

    \b
    Example:
      mpsp-qual participant withdraw P06 --purge
    """

    report = project.withdraw(participant_id, purge=purge)
    if report.already_withdrawn:
        click.echo(f"{participant_id} had already withdrawn.")
    else:
        click.echo(
            f"{participant_id} withdrawn: excluded from every count, matrix, sheet and quote "
            "from now on."
        )
    if report.purged:
        click.echo(
            f"Purged {participant_id}: {report.turns} turns, {report.segments} segments, "
            f"{report.codings} codings, {report.memos} memos and {report.approvals} quote "
            "approvals deleted; their words blanked out of the stored transcripts; "
            "project file compacted."
        )
    warn_all(report.warnings)
