"""Write one fictional interview in every layout the transcript readers must read.

Run from the repository root: ``python tests/data/transcripts/make_fixtures.py``. It
rewrites the fixtures beside it and ``expected.json``, which ``tests/inputs/`` checks
the readers against: for every fixture the turns it must give (speaker as written,
start time, number of words) and strings that must never be inside a turn.

Each writer follows the layout that tool publishes (see the table in issue 11): its
title and header blocks, the way it labels speakers and times, how it splits one
answer (over cues, repeated headers, continuation paragraphs, page breaks) and what
it writes after the speech. The expected values come from :data:`TURNS` alone, never
from the readers. The people and organisations are fictional.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import docx
from docx.enum.text import WD_BREAK
from docx.shared import Pt

HERE = Path(__file__).resolve().parent

# (who, seconds from the start, paragraphs): I is the interviewer, R the interviewee.
TURNS: list[tuple[str, int, list[str]]] = [
    (
        "I",
        3,
        [
            "Thanks for joining me today. Could you start by telling me about your role "
            "at Wrenfield?"
        ],
    ),
    (
        "R",
        11,
        [
            "Of course. I'm the operations director at Wrenfield Community Care, so I look "
            "after the home care teams across the district.",
            "We've been a mutual since 2016, and the staff own the organisation between them.",
        ],
    ),
    ("I", 38, ["And how did the partnership with the council begin?"]),
    (
        "R",
        44,
        [
            "It started with a tender, really. [laughs] The council wanted one provider for "
            "the whole county, and we couldn't bid for that on our own.",
            "So we went to the housing association and asked if they would lead the bid with us.",
        ],
    ),
    ("I", 80, ["Right."]),
    (
        "R",
        82,
        [
            "And honestly, the first months were hard. Different agendas, different "
            "reporting, and a board that met every other month."
        ],
    ),
    ("I", 125, ["What would you do differently next time?"]),
    (
        "R",
        130,
        [
            "Agree the risk share before the bid goes in. [inaudible 00:02:14] That would "
            "have saved us four months of arguing."
        ],
    ),
    ("I", 160, ["Thank you, that's really helpful."]),
]

EXPECTED: dict[str, dict] = {}


def words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)


def hms(seconds: float, *, ms: int | None = None) -> str:
    s = int(seconds)
    base = f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{base}.{ms:03d}" if ms else base


def mss(seconds: int) -> str:
    """Teams' and Otter's ``m:ss``."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def expect(
    name: str,
    names: dict[str, str],
    times: list[str | None] | None,
    *,
    absent: tuple[str, ...] = (),
    metadata: dict[str, str] | None = None,
    layout: str,
) -> None:
    """Record what reading ``name`` must give: one row per canonical turn."""
    rows = []
    for i, (who, _, paragraphs) in enumerate(TURNS):
        rows.append([names[who], times[i] if times else None, words(paragraphs)])
    EXPECTED[name] = {
        "turns": rows,
        "absent": list(absent),
        "metadata": metadata or {},
        "layout": layout,
    }


def save(d, name: str) -> None:
    """Save a Word document with fixed properties, so that a rerun changes no bytes."""
    fixed = datetime.datetime(2025, 3, 4, 10, 15)
    d.core_properties.created = d.core_properties.modified = fixed
    d.core_properties.author = d.core_properties.last_modified_by = "mpsp_qual fixtures"
    d.save(str(HERE / name))


def write_text(name: str, text: str, *, bom: bool = False) -> None:
    data = text.encode("utf-8")
    (HERE / name).write_bytes(b"\xef\xbb\xbf" + data if bom else data)


# -- Microsoft ---------------------------------------------------------------------


def teams_docx() -> None:
    """Teams *Download as .docx*: each turn one paragraph, ``Name   m:ss``, a break, speech."""
    names = {"I": "Dana Reid", "R": "Zoë Ünal"}
    d = docx.Document()
    d.add_paragraph("Wrenfield interview-20250304_101500-Meeting Transcript")
    d.add_paragraph("March 4, 2025, 10:15AM")
    d.add_paragraph("2m 48s")
    d.add_paragraph("Dana Reid started transcription")
    for who, t, paragraphs in TURNS:
        # Teams cuts a long answer into several paragraphs, each with its own header.
        for k, text in enumerate(paragraphs):
            p = d.add_paragraph()
            p.add_run(f"{names[who]}   {mss(t + 9 * k)}")
            p.add_run().add_break(WD_BREAK.LINE)
            p.add_run(text)
    d.add_paragraph("Dana Reid stopped transcription")
    save(d, "teams.docx")
    expect(
        "teams.docx",
        names,
        [hms(t) for _, t, _ in TURNS],
        absent=("transcription", "Meeting Transcript", "2m 48s"),
        metadata={"title": "Wrenfield interview-20250304_101500-Meeting Transcript"},
        layout="Teams transcript",
    )


def _vtt_cues(names: dict[str, str], *, entity: str, guid: bool, old: bool) -> str:
    out = ["WEBVTT", ""]
    for n, (who, t, paragraphs) in enumerate(TURNS):
        # Teams wraps a voice span over lines and starts a new cue every sentence or so.
        pieces = [piece for text in paragraphs for piece in _halves(text)]
        for k, piece in enumerate(pieces):
            start, end = t + 4 * k, t + 4 * k + 4
            if old:
                timing = (
                    "0:0:-6.-820 --> 0:0:4.0"
                    if n == 0 and k == 0
                    else f"0:{start // 60}:{start % 60}.110 --> 0:{end // 60}:{end % 60}.0"
                )
            else:
                timing = f"{hms(start)}.120 --> {hms(end)}.000"
            if guid:
                out.append(f"3f2a9c1e-7b4d-4e8a-9c2f-6d1b0a5e8f34/{n + 11}-{k}")
            label = names[who].replace("ë", entity)
            first, _, rest = piece.partition(" and ")
            body = f"{first} and\n{rest}" if rest else first
            out += [timing, f"<v {label}>{body.replace('&', '&amp;')}</v>", ""]
    return "\n".join(out)


def _halves(text: str) -> list[str]:
    """A paragraph cut in two at a word boundary near the middle (a cue break)."""
    ws = text.split()
    if len(ws) < 12:
        return [text]
    mid = len(ws) // 2
    return [" ".join(ws[:mid]), " ".join(ws[mid:])]


def teams_vtt() -> None:
    """Teams / Stream / OneDrive WebVTT: GUID cue ids, ``<v Surname, First>``, entities."""
    names = {"I": "Reid, Dana (Contractor)", "R": "Ünal, Zoë"}
    write_text("teams.vtt", _vtt_cues(names, entity="&#235;", guid=True, old=False))
    expect(
        "teams.vtt",
        names,
        [f"{hms(t)}.120" for _, t, _ in TURNS],
        absent=("&#235;", "&amp;", "<v", "3f2a9c1e"),
        layout="Teams WebVTT transcript",
    )


def teams_old_vtt() -> None:
    """Older Teams files: unpadded times (``0:1:2.110``), a negative first start."""
    names = {"I": "Dana Reid", "R": "Zoë Ünal"}
    write_text("teams_old.vtt", _vtt_cues(names, entity="&euml;", guid=False, old=True))
    times = ["00:00:00"] + [f"{hms(t)}.110" for _, t, _ in TURNS[1:]]
    expect("teams_old.vtt", names, times, absent=("&euml;",), layout="WebVTT transcript")


def word_transcribe() -> None:
    """Word (Microsoft 365) *Transcribe*: ``00:00:09 Speaker 2`` above every segment."""
    names = {"I": "Speaker 1", "R": "Speaker 2"}
    d = docx.Document()
    d.add_paragraph("Wrenfield interview")
    for who, t, paragraphs in TURNS:
        for k, text in enumerate(paragraphs):
            d.add_paragraph(f"{hms(t + 13 * k)} {names[who]}")
            d.add_paragraph(text)
    save(d, "word_transcribe.docx")
    expect(
        "word_transcribe.docx",
        names,
        [hms(t) for _, t, _ in TURNS],
        absent=("00:00", "Wrenfield interview"),
        layout="Word Transcribe transcript",
    )


# -- Zoom --------------------------------------------------------------------------


def _zoom_vtt(names: dict[str, str]) -> str:
    out = ["WEBVTT", ""]
    n = 0
    for who, t, paragraphs in TURNS:
        # Zoom cuts an answer into cues of a few seconds, mid-sentence.
        pieces = [piece for text in paragraphs for piece in _halves(text)]
        for k, piece in enumerate(pieces):
            n += 1
            start, end = t + 4 * k, t + 4 * k + 4
            out += [str(n), f"{hms(start)}.120 --> {hms(end)}.000", f"{names[who]}: {piece}", ""]
    return "\n".join(out)


def zoom_vtt() -> None:
    """Zoom cloud recording: numbered cues, ``Display Name: text``, pronouns and teams."""
    names = {"I": "Dana Reid | Research Team", "R": "Zoë Ünal (she/her)"}
    write_text("zoom.vtt", _zoom_vtt(names))
    expect(
        "zoom.vtt", names, [f"{hms(t)}.120" for _, t, _ in TURNS], layout="Zoom WebVTT transcript"
    )


def zoom_guest_vtt() -> None:
    names = {"I": "Dana Reid, Wrenfield Evaluation", "R": "Zoë Ünal (Guest)"}
    write_text("zoom_guest.vtt", _zoom_vtt(names))
    expect(
        "zoom_guest.vtt",
        names,
        [f"{hms(t)}.120" for _, t, _ in TURNS],
        layout="Zoom WebVTT transcript",
    )


def zoom_txt() -> None:
    """Zoom *Save transcript*: ``[Name] 10:02:15`` (wall clock), text, a blank line."""
    names = {"I": "Dana Reid", "R": "Zoë Ünal (she/her)"}
    lines = []
    for who, t, paragraphs in TURNS:
        for k, text in enumerate(paragraphs):
            lines += [f"[{names[who]}] {hms(10 * 3600 + 2 * 60 + 12 + t + 9 * k)}", text, ""]
    write_text("zoom_saved.txt", "\n".join(lines))
    expect(
        "zoom_saved.txt",
        names,
        [hms(10 * 3600 + 2 * 60 + 12 + t) for _, t, _ in TURNS],
        absent=("[Dana", "10:0"),
        layout="Zoom saved transcript",
    )


# -- Otter, Rev ----------------------------------------------------------------------


def _otter_lines(names: dict[str, str], *, timed: bool) -> list[str]:
    lines = [
        "Wrenfield interview",
        "Tue, Mar 04, 2025 10:15AM • 2:48",
        "",
        "SUMMARY KEYWORDS",
        "council, bid, partnership, mutual, risk share, tender",
        "",
        "SPEAKERS",
        f"{names['R']}, {names['I']}",
        "",
    ]
    for who, t, paragraphs in TURNS:
        lines.append(f"{names[who]}  {mss(t)}  " if timed else f"{names[who]}  ")
        lines += paragraphs
        lines.append("")
    lines.append("Transcribed by https://otter.ai")
    return lines


def otter() -> None:
    """Otter.ai: ``Name  0:00  `` on its own line, ``Speaker 2`` for an untagged voice."""
    names = {"I": "Dana Reid", "R": "Speaker 2"}
    write_text("otter.txt", "\n".join(_otter_lines(names, timed=True)) + "\n")
    absent = ("otter.ai", "SUMMARY KEYWORDS", "risk share, tender", "SPEAKERS")
    expect(
        "otter.txt", names, [hms(t) for _, t, _ in TURNS], absent=absent, layout="Otter transcript"
    )
    write_text("otter_untimed.txt", "\n".join(_otter_lines(names, timed=False)) + "\n")
    expect("otter_untimed.txt", names, None, absent=absent, layout="Otter transcript")
    d = docx.Document()
    for line in _otter_lines({"I": "Dana Reid", "R": "Zoë Ünal"}, timed=True):
        if line:
            d.add_paragraph(line)
    save(d, "otter.docx")
    expect(
        "otter.docx",
        {"I": "Dana Reid", "R": "Zoë Ünal"},
        [hms(t) for _, t, _ in TURNS],
        absent=absent,
        layout="Otter transcript",
    )


def _rev_lines(names: dict[str, str]) -> list[str]:
    lines = ["Wrenfield Interview (Completed  03/04/25)", "Transcript by Rev.com", ""]
    for n, (who, t, paragraphs) in enumerate(TURNS):
        lines += [f"{names[who]} ({hms(t)[3:]}):", paragraphs[0], ""]
        for k, text in enumerate(paragraphs[1:], start=1):
            # A long answer is split into paragraphs headed by their time alone.
            lines += [f"({hms(t + 11 * k)[3:]}):", text, ""]
        if n == 4:
            lines += [
                "Wrenfield Interview (Completed  03/04/25)  Page 1 of 2",
                "Transcript by Rev.com",
                "",
            ]
    return lines


def rev() -> None:
    """Rev.com: ``Name (00:12):``, continuations ``(01:08):``, page headers and footers."""
    names = {"I": "Dana Reid", "R": "Zoë Ünal"}
    write_text("rev.txt", "\n".join(_rev_lines(names)))
    absent = ("Rev.com", "Completed", "Page 1", "(00:", "(01:")
    expect("rev.txt", names, [hms(t) for _, t, _ in TURNS], absent=absent, layout="Rev transcript")
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "This transcript was exported on Mar 04, 2025"
    d.sections[0].footer.paragraphs[0].text = "Wrenfield Interview (Completed  03/04/25)"
    for line in _rev_lines(names):
        if line:
            d.add_paragraph(line)
    save(d, "rev.docx")
    expect("rev.docx", names, [hms(t) for _, t, _ in TURNS], absent=absent, layout="Rev transcript")


# -- Google Meet ---------------------------------------------------------------------


MEET_SCALE = 3  # the interview stretched so that the five-minute marker falls inside


def _meet_lines(names: dict[str, str]) -> list[str]:
    lines = [
        "Wrenfield interview - 2025/03/04 10:15 GMT - Transcript",
        "Attendees",
        f"{names['I']}, {names['R']}",
        "Transcript",
        "00:00:00",
        " ",
    ]
    marked = False
    for who, t, paragraphs in TURNS:
        if t * MEET_SCALE >= 300 and not marked:
            lines += ["00:05:00", " "]
            marked = True
        # Meet writes one "Name: text" per utterance; an answer runs over several lines.
        lines.append(f"{names[who]}: {paragraphs[0]}")
        lines += paragraphs[1:]
    lines += [
        "Meeting ended after 00:08:14 👋",
        "",
        "This editable transcript was computer generated and might contain errors. People "
        "can also change the text after it was created.",
    ]
    return lines


def _meet_times() -> list[str | None]:
    times: list[str | None] = [None] * len(TURNS)
    times[0] = "00:00:00"
    first_after = next(i for i, (_, t, _) in enumerate(TURNS) if t * MEET_SCALE >= 300)
    times[first_after] = "00:05:00"
    return times


MEET_ABSENT = ("Attendees", "Meeting ended", "computer generated", "00:05:00", "👋")


def meet() -> None:
    """Google Meet transcript: ``Name: text``, markers every five minutes, BOM, trailer."""
    names = {"I": "Dana Reid", "R": "Zoë Ünal"}
    write_text("meet.txt", "\n".join(_meet_lines(names)) + "\n", bom=True)
    expect(
        "meet.txt",
        names,
        _meet_times(),
        absent=MEET_ABSENT,
        layout="Google Meet transcript",
    )


def meet_docx() -> None:
    """The Meet transcript as Google Docs downloads it (.docx): one paragraph a line."""
    names = {"I": "Dana Reid", "R": "Zoë Ünal"}
    d = docx.Document()
    for line in _meet_lines(names):
        d.add_paragraph(line)
    save(d, "meet.docx")
    expect("meet.docx", names, _meet_times(), absent=MEET_ABSENT, layout="Google Meet transcript")


GEMINI_SUMMARY = [
    "📝 Notes",
    "Mar 4, 2025",
    "Wrenfield interview",
    "Invited Dana Reid Zoë Ünal",
    "Summary",
    "Dana Reid and Zoë Ünal discussed the Wrenfield partnership with the council.",
    "Details",
    "Origins: Zoë Ünal explained that the partnership began with a county tender.",
    "Lessons: Zoë Ünal would agree the risk share before the bid goes in.",
    "Suggested next steps",
    "Dana Reid will send Zoë Ünal the notes.",
    "You should review Gemini's notes to make sure they're accurate. Get tips and "
    "learn how Gemini takes notes",
    "📖 Transcript",
    "Mar 4, 2025",
]
GEMINI_ABSENT = MEET_ABSENT + ("Summary", "Gemini", "discussed", "Origins", "next steps")


def gemini_txt() -> None:
    """*Notes by Gemini* downloaded as text, with Google's BOM."""
    names = {"I": "Dana Reid", "R": "Zoë Ünal"}
    text = "\n".join(GEMINI_SUMMARY + _meet_lines(names)) + "\n"
    write_text("gemini_notes.txt", text, bom=True)
    expect(
        "gemini_notes.txt",
        names,
        _meet_times(),
        absent=GEMINI_ABSENT,
        layout="Google Meet transcript",
    )


def gemini() -> None:
    """*Notes by Gemini*: the summary, then the transcript, in one document."""
    names = {"I": "Dana Reid", "R": "Zoë Ünal"}
    d = docx.Document()
    for line in GEMINI_SUMMARY + [line for line in _meet_lines(names) if line.strip()]:
        d.add_paragraph(line)
    save(d, "gemini_notes.docx")
    expect(
        "gemini_notes.docx",
        names,
        _meet_times(),
        absent=GEMINI_ABSENT,
        layout="Google Meet transcript",
    )


# -- offline Whisper tools, Descript --------------------------------------------------


def atrain() -> None:
    """aTrain / noScribe: ``SPEAKER_00`` alone, then ``[HH:MM:SS] - text`` segments."""
    names = {"I": "SPEAKER_00", "R": "SPEAKER_01"}
    lines = []
    for who, t, paragraphs in TURNS:
        lines.append(names[who])
        for k, text in enumerate(paragraphs):
            lines.append(f"[{hms(t + 7 * k)}] - {text}")
        lines.append("")
    write_text("atrain.txt", "\n".join(lines))
    expect(
        "atrain.txt",
        names,
        [hms(t) for _, t, _ in TURNS],
        absent=("] - ", "[00:0"),
        layout="aTrain/noScribe transcript",
    )


def descript() -> None:
    """Descript: ``Name: [00:00:00] text``, ``[00:01:00]`` markers, unlabelled paragraphs."""
    names = {"I": "Dana Reid", "R": "Zoë Ünal"}
    lines = []
    for n, (who, t, paragraphs) in enumerate(TURNS):
        first = paragraphs[0]
        if n == 3:
            # The minute marker falls inside this answer, between two sentences.
            head, sep, tail = first.partition(". ")
            first = f"{head}{sep}[00:01:00] {tail}"
        lines += [f"{names[who]}: [{hms(t)}] {first}", ""]
        for text in paragraphs[1:]:
            lines += [text, ""]
    write_text("descript.txt", "\n".join(lines))
    expect(
        "descript.txt",
        names,
        [hms(t) for _, t, _ in TURNS],
        absent=("[00:0",),
        layout='"Name: [time] text" (Descript) transcript',
    )


# -- typists and agencies -------------------------------------------------------------


COVER = [
    "Project: Partnerships in public service mutuals",
    "Date: 4 March 2025",
    "Interviewer: Dr Dana Reid",
    "Transcribed by: Kestrel Typing Services",
]


def typist_ir() -> None:
    """``I:`` / ``R:`` with a tab, a cover sheet, ``[END OF RECORDING]``."""
    names = {"I": "I", "R": "R"}
    lines = COVER + [""]
    for who, _, paragraphs in TURNS:
        lines.append(f"{names[who]}:\t{paragraphs[0]}")
        lines += [f"\t{text}" for text in paragraphs[1:]]
        lines.append("")
    lines.append("[END OF RECORDING]")
    write_text("typist_ir.txt", "\n".join(lines) + "\n")
    expect(
        "typist_ir.txt",
        names,
        None,
        absent=("Dr Dana Reid", "Project", "Kestrel", "END OF RECORDING"),
        metadata={"interviewer": "Dr Dana Reid", "transcribed by": "Kestrel Typing Services"},
        layout='"Name: text" transcript',
    )


def typist_tab() -> None:
    """``Interviewer`` / ``Respondent 1`` and a tab, no colon (a typist's template)."""
    names = {"I": "Interviewer", "R": "Respondent 1"}
    lines = ["Wrenfield interview", "Date: 4 March 2025", ""]
    for who, _, paragraphs in TURNS:
        lines.append(f"{names[who]}\t{paragraphs[0]}")
        lines += [f"\t{text}" for text in paragraphs[1:]]
    write_text("typist_tab.txt", "\n".join(lines) + "\n")
    expect(
        "typist_tab.txt",
        names,
        None,
        absent=("Wrenfield interview",),
        metadata={"date": "4 March 2025"},
        layout='"Name: text" transcript',
    )


def typist_qa_docx() -> None:
    """``Q:`` / ``A:`` paragraphs in Word, tab after the colon, a cover sheet."""
    names = {"I": "Q", "R": "A"}
    d = docx.Document()
    for line in COVER:
        d.add_paragraph(line)
    for who, _, paragraphs in TURNS:
        d.add_paragraph(f"{names[who]}:\t{paragraphs[0]}")
        for text in paragraphs[1:]:
            d.add_paragraph(text)
    d.add_paragraph("[End of interview]")
    save(d, "typist_qa.docx")
    expect(
        "typist_qa.docx",
        names,
        None,
        absent=("Dr Dana Reid", "Kestrel", "End of interview"),
        metadata={"interviewer": "Dr Dana Reid"},
        layout='"Name: text" transcript',
    )


def typist_roles() -> None:
    """``Interviewer:`` / ``Respondent 1:``, the cover naming the interviewer too."""
    names = {"I": "Interviewer", "R": "Respondent 1"}
    lines = ["Wrenfield Community Care – interview transcript", ""] + COVER + [""]
    for who, _, paragraphs in TURNS:
        lines.append(f"{names[who]}: {paragraphs[0]}")
        lines += ["", *paragraphs[1:]] if paragraphs[1:] else []
        lines.append("")
    lines.append("END OF TRANSCRIPT")
    write_text("typist_roles.txt", "\n".join(lines) + "\n")
    expect(
        "typist_roles.txt",
        names,
        None,
        absent=("Dr Dana Reid", "Kestrel", "END OF TRANSCRIPT", "Project"),
        metadata={"interviewer": "Dr Dana Reid", "date": "4 March 2025"},
        layout='"Name: text" transcript',
    )


def agency_speaker_time() -> None:
    """``SPEAKER 1 [00:01:02]`` header lines (an agency's house style)."""
    names = {"I": "SPEAKER 1", "R": "SPEAKER 2"}
    lines = ["Wrenfield interview", "Transcribed by: Kestrel Typing Services", ""]
    for who, t, paragraphs in TURNS:
        lines += [f"{names[who]} [{hms(t)}]", *paragraphs, ""]
    lines.append("[END OF RECORDING]")
    write_text("agency_speaker_time.txt", "\n".join(lines) + "\n")
    expect(
        "agency_speaker_time.txt",
        names,
        [hms(t) for _, t, _ in TURNS],
        absent=("SPEAKER", "[00:", "END OF RECORDING"),
        layout="speaker-and-time header transcript",
    )


def typist_bold_docx() -> None:
    """A speaker name in bold on its own paragraph; another file with heading names."""
    names = {"I": "Dana Reid", "R": "Zoë Ünal"}
    for name, heading in (("typist_bold.docx", False), ("typist_heading.docx", True)):
        d = docx.Document()
        d.add_heading("Wrenfield interview", level=1)
        d.add_paragraph("Date: 4 March 2025")
        for who, _, paragraphs in TURNS:
            if heading:
                d.add_heading(names[who], level=2)
            else:
                run = d.add_paragraph().add_run(names[who])
                run.bold = True
                run.font.size = Pt(11)
            for text in paragraphs:
                d.add_paragraph(text)
        d.add_paragraph("[END OF RECORDING]")
        save(d, name)
        expect(
            name,
            names,
            None,
            absent=("Wrenfield interview", "END OF RECORDING"),
            metadata={"date": "4 March 2025"},
            layout="bold-name transcript",
        )


def typist_bold_md() -> None:
    names = {"I": "Dana Reid", "R": "Zoë Ünal"}
    lines = ["# Wrenfield interview", ""]
    for who, _, paragraphs in TURNS:
        lines += [f"**{names[who]}**", ""]
        for text in paragraphs:
            lines += [text, ""]
    write_text("typist_bold.md", "\n".join(lines))
    expect(
        "typist_bold.md",
        names,
        None,
        absent=("**", "# Wrenfield"),
        layout="bold-name transcript",
    )


def nvivo_table() -> None:
    """A Word table with time, speaker and text columns (NVivo's import convention)."""
    names = {"I": "Dana Reid", "R": "Zoë Ünal"}
    d = docx.Document()
    d.add_paragraph("Wrenfield interview, 4 March 2025")
    rows = [(hms(t), names[who], "\n".join(paragraphs)) for who, t, paragraphs in TURNS]
    table = d.add_table(rows=1 + len(rows), cols=3)
    for cell, head in zip(table.rows[0].cells, ("Timestamp", "Speaker", "Content")):
        cell.text = head
    for row, values in zip(table.rows[1:], rows):
        for cell, value in zip(row.cells, values):
            cell.text = value
    save(d, "nvivo_table.docx")
    expect(
        "nvivo_table.docx",
        names,
        [hms(t) for _, t, _ in TURNS],
        absent=("Timestamp", "Wrenfield interview,"),
        layout="Word table transcript",
    )


def main() -> None:
    for make in (
        teams_docx,
        teams_vtt,
        teams_old_vtt,
        word_transcribe,
        zoom_vtt,
        zoom_guest_vtt,
        zoom_txt,
        otter,
        rev,
        meet,
        meet_docx,
        gemini,
        gemini_txt,
        atrain,
        descript,
        typist_ir,
        typist_tab,
        typist_qa_docx,
        typist_roles,
        agency_speaker_time,
        typist_bold_docx,
        typist_bold_md,
        nvivo_table,
    ):
        make()
    (HERE / "expected.json").write_text(
        json.dumps(EXPECTED, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(EXPECTED)} fixtures and expected.json in {HERE}")


if __name__ == "__main__":
    main()
