"""Commands that list segments and codings."""

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
    require_internal,
)

if TYPE_CHECKING:
    import pandas as pd

    from mpsp_qual.app.project import Project


@cli.command()
@click.option("--document", help="Only this document (file name).")
@click.option("--participants-only", is_flag=True, help="Only segments spoken by a participant.")
@click.option("--code", "code", metavar="ID", help="Only segments coded ID or a code below it.")
@click.option(
    "--coder",
    metavar="NAME",
    help="Only segments this coder coded (default with --code: the default coder).",
)
@output_options
@internal_option
@pass_project
def segments(
    project: Project,
    document: str | None,
    participants_only: bool,
    code: str | None,
    coder: str | None,
    fmt: str,
    output: Path | None,
    internal: bool,
) -> None:
    """List the coding units (segments) with their offsets, or the coded ones with evidence.

    With --code or --coder, each coded segment is shown once with its codes and the
    words that earned them highlighted (csv and json carry the evidence). Segments
    hold every participant's words, those who declined quotes included, so -o FILE
    needs --internal (and the file is marked internal).

    \b
    Example:
      mpsp-qual segments --document int01.txt
      mpsp-qual segments --code capacity-constraints
      mpsp-qual segments --coder alice --format csv -o alice.csv --internal
    """
    require_internal(output, internal, HOLDS_WORDS_AND_NAMES)
    if code is None and coder is None:
        # A withdrawn participant's words are listed nowhere.
        segments = project.segments(
            document=document, participants_only=participants_only, include_withdrawn=False
        )
        emit(segments, fmt, output, holds=HOLDS_WORDS_AND_NAMES, internal=internal)
        return
    frame = services.coded_segment_table(project, code=code, coder=coder)
    if document:
        frame = frame[frame["document"] == document]
    if fmt == "table" and output is None:
        _print_coded(frame, code=code, coder=frame["coder"].iloc[0] if len(frame) else coder)
        return
    if fmt != "json" and not (output is not None and output.suffix.lower() == ".json"):
        frame = frame.assign(evidence=frame["evidence"].map(services.format_evidence))
    emit(frame, fmt, output, holds=HOLDS_WORDS_AND_NAMES, internal=internal)


def _print_coded(frame: pd.DataFrame, *, code: str | None, coder: str | None) -> None:
    what = f"coded {code} (or below)" if code else "coded"
    who = f" by {coder}" if coder else ""
    if frame.empty:
        click.echo(f"No segments {what}{who}.")
        return
    click.echo(f"{len(frame)} segments {what}{who}; evidence highlighted.")
    for row in frame.itertuples(index=False):
        who_spoke = f"{row.speaker} ({row.participant_id})" if row.participant_id else row.speaker
        click.echo("")
        click.echo(click.style(f"{row.segment_id}  {who_spoke}  [{row.codes}]", bold=True))
        click.echo(_highlight(row.text, row.start, row.evidence))
        if row.evidence:
            click.echo(
                click.style(f"  evidence: {services.format_evidence(row.evidence)}", dim=True)
            )


def _highlight(text: str, offset: int, evidence: list) -> str:
    """The segment text with each evidence span styled (spans are document offsets)."""
    spans = sorted(
        (max(0, m["start"] - offset), min(len(text), m["end"] - offset))
        for m in evidence
        if isinstance(m.get("start"), int) and isinstance(m.get("end"), int)
    )
    out, pos = [], 0
    for start, end in spans:
        if start < pos:  # overlapping spans: style the rest of this one
            start = pos
        if end <= start:
            continue
        out.append(text[pos:start])
        out.append(click.style(text[start:end], fg="yellow", bold=True, underline=True))
        pos = end
    out.append(text[pos:])
    return "".join(out)
