"""Quote bank files (.md, .docx, .xlsx, .csv) and the approval request workbook.

Every writer here takes the project and passes its rows through
:func:`mpsp_qual.consent.quotes.gate` before writing a byte, so a declined or withdrawn
participant's words cannot reach a file even if a caller hands over rows that never
went through the quote bank. Quotes are grouped under the codebook's hierarchy
(headings in Markdown and Word, a path column in the tables), each in typographic
quotation marks followed by "– attribution"; the Word file uses the built-in "Quote"
paragraph style. Spreadsheet text goes through :func:`set_text_cell` / :func:`csv_safe`.

The request workbook has a "Read me" sheet and one sheet per participant listing the
quotes planned for the report, with a Decision dropdown (approved, declined, approved
with edits), the edited text and the date, and a hidden "Source hash" column holding a
fingerprint of each quote's exact source text (:func:`mpsp_qual.consent.quotes.source_hash`): the
Quote column shows the text redacted, so it cannot itself show whether the transcript
changed after the workbook was written. :func:`read_decisions` reads it back.

A bank file can leave the team, so it names no transcript: transcript file names may name
an organisation (``int05_orrinvale_care.txt``), and a quote's own id starts with one. The
.xlsx, .csv and .json tables carry instead the public quote id that request workbooks carry
(:mod:`mpsp_qual.consent.public_ids`), and neither the document nor the offsets in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from mpsp_qual.core.errors import QuoteError, SheetError
from mpsp_qual.core.files import atomic_path
from mpsp_qual.core.limits import check_zip
from mpsp_qual.core.model import Codebook, PathLike
from mpsp_qual.core.safe_text import markdown_text, printable
from mpsp_qual.formats.cells import csv_frame, set_text_cell

FORMATS = (".md", ".docx", ".xlsx", ".csv", ".json")
#: The table bank's columns: (key, header). No document name, no offsets in it.
TABLE_COLUMNS = [
    ("theme", "Theme"),
    ("path", "Code path"),
    ("code", "Code"),
    ("quote", "Quote"),
    ("attribution", "Attribution"),
    ("participant_id", "Participant"),
    ("start_time", "Start time"),
    ("words", "Words"),
    ("status", "Status"),
    ("quote_id", "Quote id"),
]
#: The JSON bank's keys (a program's view of the same rows).
JSON_COLUMNS = [
    "quote_id", "code", "code_name", "participant_id", "attribution", "start_time", "words",
    "strength", "status", "decision", "text",
]  # fmt: skip
#: Request workbook columns: (key, header).
REQUEST_HEADERS = [
    ("quote_id", "Quote id"),
    ("participant_id", "Participant"),
    ("code", "Code"),
    ("attribution", "Attributed as"),
    ("text", "Quote"),
    ("decision", "Decision"),
    ("edited_text", "Edited text"),
    ("decided_at", "Date"),
    ("source_hash", "Source hash"),
]
REQUIRED_HEADERS = ("quote_id", "participant_id", "decision", "edited_text")
#: The hidden column of the request workbook that fingerprints each quote's source text.
HASH_HEADER = "Source hash"
README_SHEET = "Read me"
DECISION_CHOICES = ("approved", "declined", "approved with edits")


def quoted(text: str) -> str:
    """Text in typographic quotation marks (its own outer quotation marks dropped)."""
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    if len(text) >= 2 and text[0] in '"“' and text[-1] in '"”':
        text = text[1:-1].strip()
    return f"“{text}”"


def _ordered(frame: pd.DataFrame, codebook: Codebook) -> list[tuple[int, str, list[dict]]]:
    """(heading level, heading, quotes) in codebook order, ancestors of quoted codes included.

    Each quote is filed once, under its first code; its attribution line names the others
    ("also coded: ...") and, in a bank mixing approved and pending quotes, says which
    ones still await approval.
    """
    rows = frame.to_dict("records")
    codes_of: dict[str, list[str]] = {}
    for row in rows:
        codes_of.setdefault(row["quote_id"], []).append(row["code"])
    mixed = len({row.get("status") for row in rows}) > 1
    names = {c.id: c.name for c in codebook}
    by_code: dict[str, list[dict]] = {}
    filed: set[str] = set()
    for row in rows:
        if row["quote_id"] in filed:
            continue
        filed.add(row["quote_id"])
        notes = []
        if mixed and row.get("status") == "pending":
            notes.append("pending approval")
        others = [names.get(c, c) for c in dict.fromkeys(codes_of[row["quote_id"]])]
        others = [n for n in others if n != names.get(row["code"], row["code"])]
        if others:
            notes.append(f"also coded: {', '.join(others)}")
        if notes:
            row = {**row, "attribution": f"{row['attribution']} ({'; '.join(notes)})"}
        by_code.setdefault(row["code"], []).append(row)
    wanted = set()
    for code in by_code:
        if code in codebook:
            wanted.add(code)
            wanted.update(c.id for c in codebook.ancestors(code))
    return [
        (codebook.level(c.id), c.name, by_code.get(c.id, [])) for c in codebook if c.id in wanted
    ]


def _public(project, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows with public quote ids, which name no transcript."""
    from mpsp_qual.consent.public_ids import public_quote_ids

    if frame.empty:
        return frame
    public = public_quote_ids(project, list(frame["quote_id"]))
    return frame.assign(quote_id=[public[q] for q in frame["quote_id"]])


def _table(frame: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    rows = []
    for row in frame.to_dict("records"):
        chain = [a.name for a in reversed(codebook.ancestors(row["code"]))] + [
            codebook.get(row["code"]).name
        ]
        rows.append(
            {
                **row,
                "theme": chain[0],
                "path": " › ".join(chain),
                "quote": f"{quoted(row['text'])} – {row['attribution']}",
            }
        )
    return pd.DataFrame(rows, columns=[k for k, _ in TABLE_COLUMNS])


def write_quote_bank(
    project,
    path: PathLike,
    *,
    frame: pd.DataFrame | None = None,
    title: str = "Quote bank",
    **options,
) -> int:
    """Write the quote bank to ``path`` (.md, .docx, .xlsx, .csv or .json); returns the
    quotes written. The tables' quote ids are the public ones, and no file names a
    transcript or holds offsets into one.

    Args:
        project: the project (its codebook gives the headings).
        path: the file; its extension picks the format. Written whole or not at all.
        frame: rows from :func:`mpsp_qual.consent.quotes.quote_bank`; computed with
            ``options`` when not given. Consent gating is applied again either way.
        title: the document title.
        **options: keyword arguments of :func:`mpsp_qual.consent.quotes.quote_bank`.

    Raises:
        QuoteError: the extension is not one of :data:`FORMATS`.
    """
    from mpsp_qual.consent.quotes import gate, quote_bank

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise QuoteError(
            f"{target.name}: quotes are written as .md, .docx, .xlsx, .csv or .json; "
            "change the file extension."
        )
    if frame is None:
        frame = quote_bank(project, **options)
    frame = gate(project, frame)
    count = int(frame["quote_id"].nunique()) if not frame.empty else 0
    frame = _public(project, frame)
    codebook = project.codebook
    if suffix == ".md":
        _write_markdown(frame, codebook, target, title)
    elif suffix == ".docx":
        _write_docx(frame, codebook, target, title)
    elif suffix == ".xlsx":
        _write_xlsx(_table(frame, codebook), target)
    elif suffix == ".json":
        from mpsp_qual.formats.tables import to_json

        with atomic_path(target) as tmp:
            tmp.write_text(to_json(frame.reindex(columns=JSON_COLUMNS)) + "\n", encoding="utf-8")
    else:
        table = _table(frame, codebook).rename(columns=dict(TABLE_COLUMNS))
        with atomic_path(target) as tmp:
            tmp.write_text(csv_frame(table).to_csv(index=False), encoding="utf-8")
    return count


def _write_markdown(frame: pd.DataFrame, codebook: Codebook, target: Path, title: str) -> None:
    # Transcript text is escaped: a line of HTML, a javascript: link or a remote image
    # in an interview renders as the words it is, never as markup.
    lines = [f"# {markdown_text(title)}", ""]
    if frame.empty:
        lines += ["No quotes match.", ""]
    for level, heading, quotes in _ordered(frame, codebook):
        lines += [f"{'#' * min(level + 1, 6)} {markdown_text(heading)}", ""]
        for q in quotes:
            body = quoted(markdown_text(q["text"])).splitlines() or [""]
            lines += [f"> {line}".rstrip() for line in body]
            lines += [">", f"> – {markdown_text(str(q['attribution']))}", ""]
    with atomic_path(target) as tmp:
        tmp.write_text("\n".join(lines), encoding="utf-8")


def _write_docx(frame: pd.DataFrame, codebook: Codebook, target: Path, title: str) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = Document()
    # Setting a style by name makes python-docx search every style for each paragraph;
    # look each style id up once and set it directly.
    ids = {
        name: doc.styles[name].style_id
        for name in ["Quote", *(f"Heading {n}" for n in range(1, 10))]
    }

    def paragraph(text: str, style: str | None = None):
        para = doc.add_paragraph()
        if style is not None:
            para._p.get_or_add_pPr().style = ids[style]
        # XML cannot hold form feeds, ESC or BEL: python-docx would fail on the first.
        for k, line in enumerate(printable(text).splitlines() or [""]):
            if k:
                para.add_run().add_break()
            para.add_run(line)
        return para

    doc.add_heading(printable(title), 0)
    if frame.empty:
        paragraph("No quotes match.")
    for level, heading, quotes in _ordered(frame, codebook):
        paragraph(heading, f"Heading {min(level, 9)}")
        for q in quotes:
            # The attribution goes over a page break with its quote, never alone.
            paragraph(quoted(q["text"]), "Quote").paragraph_format.keep_with_next = True
            paragraph(f"– {q['attribution']}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    with atomic_path(target) as tmp:
        doc.save(str(tmp))


def _write_xlsx(table: pd.DataFrame, target: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Quotes"
    for j, (_, header) in enumerate(TABLE_COLUMNS, start=1):
        set_text_cell(ws.cell(row=1, column=j), header)
        ws.cell(row=1, column=j).font = Font(bold=True)
    for i, row in enumerate(table.itertuples(index=False), start=2):
        for j, value in enumerate(row, start=1):
            set_text_cell(ws.cell(row=i, column=j), None if pd.isna(value) else value)
        ws.cell(row=i, column=4).alignment = Alignment(wrap_text=True, vertical="top")
    widths = {"A": 22, "B": 40, "C": 22, "D": 80, "E": 30, "J": 34}
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    with atomic_path(target) as tmp:
        wb.save(tmp)


# -- the request workbook ----------------------------------------------------------------


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31] or "Participant"
    candidate, n = clean, 1
    while candidate.casefold() in used or candidate.casefold() == README_SHEET.casefold():
        n += 1
        candidate = f"{clean[:28]}~{n}"
    used.add(candidate.casefold())
    return candidate


def write_requests(project, frame: pd.DataFrame, path: PathLike) -> int:
    """Write the approval request workbook; returns the number of quotes in it.

    Args:
        project: the project (consent is checked again here).
        frame: rows from :func:`mpsp_qual.consent.approvals.request_quotes`.
        path: the .xlsx file, written whole or not at all.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from mpsp_qual.consent.public_ids import public_quote_ids
    from mpsp_qual.consent.quotes import gate, quote_source, source_hash

    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise QuoteError(
            f"{target.name}: the request workbook is an .xlsx file; name it e.g. requests.xlsx."
        )
    frame = gate(project, frame)
    hashes = {}
    for qid in frame["quote_id"] if not frame.empty else ():
        source = quote_source(project, qid)
        if source is None:
            raise QuoteError(
                f"quote {qid} is not in the project; request the quotes again ({{hint}}).",
                hint="quotes request",
            )
        hashes[qid] = source_hash(source)
    # The workbook goes to a participant: its ids must not carry transcript file names.
    public = public_quote_ids(project, list(hashes))
    if not frame.empty:
        frame = frame.assign(quote_id=[public[q] for q in frame["quote_id"]])
        hashes = {public[q]: h for q, h in hashes.items()}
    wb = Workbook()
    ws = wb.active
    ws.title = README_SHEET
    readme = [
        "Quotes from your interview planned for the report."
        if frame["participant_id"].nunique() <= 1
        else "Quotes planned for the report, one sheet per participant.",
        "Please read each quote as it would appear in the report, with the attribution shown.",
        "In the Decision column choose: approved, declined, or approved with edits.",
        "For 'approved with edits', write the text you are happy to see in Edited text.",
        "Put the date of your decision in Date (optional). Please do not change the Quote id column.",
    ]
    for i, line in enumerate(readme, start=1):
        set_text_cell(ws.cell(row=i, column=1), line)
    ws.column_dimensions["A"].width = 100
    used: set[str] = set()
    for participant_id, rows in frame.groupby("participant_id", sort=False):
        sheet = wb.create_sheet(_sheet_name(str(participant_id), used))
        for j, (_, header) in enumerate(REQUEST_HEADERS, start=1):
            set_text_cell(sheet.cell(row=1, column=j), header)
            sheet.cell(row=1, column=j).font = Font(bold=True)
        for i, row in enumerate(rows.to_dict("records"), start=2):
            for j, (key, _) in enumerate(REQUEST_HEADERS, start=1):
                value = row.get(key)
                if key == "text":
                    value = quoted(value)
                elif key == "source_hash":
                    value = hashes[row["quote_id"]]
                set_text_cell(
                    sheet.cell(row=i, column=j), value if value not in (None, "") else None
                )
            for col in (5, 7):
                sheet.cell(row=i, column=col).alignment = Alignment(wrap_text=True, vertical="top")
        choices = DataValidation(
            type="list",
            formula1='"' + ",".join(DECISION_CHOICES) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Decision",
            error="Choose approved, declined or approved with edits.",
        )
        sheet.add_data_validation(choices)
        choices.add(f"F2:F{max(len(rows) + 1, 2)}")
        for col, width in {"A": 30, "C": 24, "D": 20, "E": 80, "F": 20, "G": 60, "H": 12}.items():
            sheet.column_dimensions[col].width = width
        # The participant has no use for the fingerprint; ``quotes approve`` reads it.
        sheet.column_dimensions["I"].hidden = True
        sheet.freeze_panes = "A2"
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return len(frame)


def write_request_folder(
    project, frame: pd.DataFrame, directory: PathLike, *, participant: str | None = None
) -> dict[str, Path]:
    """Write one approval request workbook per participant into ``directory``.

    Each file (``<participant id>.xlsx``) holds only that participant's quotes, so it
    can be sent to them as it is; ids in it name no transcript. With ``participant``,
    only theirs is written.

    Returns:
        The file written for each participant, in the frame's order.

    Raises:
        QuoteError: ``directory`` is a file, or ``participant`` has no quotes to ask about.
    """
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise QuoteError(
            f"{target} is a file; quote requests are written to a folder, one workbook per "
            "participant (give a folder name, e.g. requests/)."
        )
    if participant is not None:
        frame = frame[frame["participant_id"] == participant]
        if frame.empty:
            raise QuoteError(
                f"there are no quotes of {participant} to ask about; check the participant "
                "id, or pass --all to include quotes already decided."
            )
    target.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for pid, rows in frame.groupby("participant_id", sort=False):
        path = target / f"{_sheet_name(str(pid), set())}.xlsx"
        write_requests(project, rows, path)
        written[str(pid)] = path
    return written


@dataclass
class DecisionRow:
    """One filled-in row of a request workbook."""

    sheet: str
    row: int
    columns: dict[str, int]
    quote_id: str
    participant_id: str
    decision: str
    edited_text: str
    decided_at: str
    source_hash: str = ""

    def cell(self, key: str) -> str:
        """The spreadsheet reference of this row's cell in column ``key`` (e.g. "F7")."""
        from openpyxl.utils import get_column_letter

        return f"{get_column_letter(self.columns[key])}{self.row}"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> str | None:
    """An ISO date from a cell, or None when it cannot be read as one."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def read_decisions(path: PathLike) -> tuple[list[DecisionRow], list[str]]:
    """Read a filled-in request workbook: its non-blank rows, and the problems found.

    Problems are whole sentences naming the sheet and cell and saying the fix: a
    missing column, a Decision that is not one of the three choices, an edit without
    its text (or text without "approved with edits"), a date that is not a date. A
    sheet without the hidden Source hash column (a workbook written before it was
    added) is refused: its quotes cannot be checked against the transcripts.

    Raises:
        SheetError: the file is missing or is not an .xlsx workbook.
    """
    from openpyxl import load_workbook

    p = Path(path)
    if not p.is_file():
        raise SheetError(f"{p}: no such file.")
    check_zip(p, kind="workbook")
    try:
        wb = load_workbook(p, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise SheetError(
            f"{p.name} cannot be read as an .xlsx workbook ({type(exc).__name__}); "
            "import the request workbook as it was written, saved as .xlsx."
        ) from None
    labels = {}
    for key, header in REQUEST_HEADERS:
        labels[header.casefold()] = key
        labels[key.casefold()] = key
    rows: list[DecisionRow] = []
    problems: list[str] = []
    unhashed: list[str] = []  # sheets without the Source hash column
    today = date.today().isoformat()
    for ws in wb.worksheets:
        if ws.title.casefold() == README_SHEET.casefold():
            continue
        columns: dict[str, int] = {}
        for cell in ws[1]:
            key = labels.get(_text(cell.value).casefold())
            if key and key not in columns:
                columns[key] = cell.column
        missing = [dict(REQUEST_HEADERS)[k] for k in REQUIRED_HEADERS if k not in columns]
        if missing:
            problems.append(
                f"{p.name}, sheet {ws.title}: row 1 has no {', '.join(missing)} column; "
                "keep the header row as the request workbook had it."
            )
            continue
        if "source_hash" not in columns:
            unhashed.append(ws.title)
            continue
        for r in range(2, ws.max_row + 1):
            values = {k: ws.cell(row=r, column=c).value for k, c in columns.items()}
            if all(_text(v) == "" for k, v in values.items() if k != "source_hash"):
                continue
            row = DecisionRow(
                sheet=ws.title,
                row=r,
                columns=columns,
                quote_id=_text(values.get("quote_id")),
                participant_id=_text(values.get("participant_id")),
                decision=" ".join(_text(values.get("decision")).casefold().split()),
                edited_text=_text(values.get("edited_text")),
                decided_at=today,
                source_hash=_text(values.get("source_hash")).casefold(),
            )
            where = f"{p.name}, sheet {ws.title}"
            if not row.quote_id:
                problems.append(
                    f"{where}, cell {row.cell('quote_id')}: the quote id is blank; "
                    "keep the Quote id column as written, or delete the row."
                )
                continue
            if row.decision and row.decision not in DECISION_CHOICES:
                problems.append(
                    f'{where}, cell {row.cell("decision")}: "{_text(values.get("decision"))}" '
                    "is not a decision; choose approved, declined or approved with edits."
                )
                continue
            if row.decision == "approved with edits" and not row.edited_text:
                problems.append(
                    f"{where}, cell {row.cell('edited_text')}: the decision is 'approved with "
                    "edits' but the edited text is blank; write the edited quote there."
                )
                continue
            if row.decision in ("approved", "declined") and row.edited_text:
                problems.append(
                    f"{where}, cell {row.cell('edited_text')}: there is an edited text but the "
                    f"decision is '{row.decision}'; choose 'approved with edits' or clear the cell."
                )
                continue
            if not row.decision and row.edited_text:
                problems.append(
                    f"{where}, cell {row.cell('decision')}: there is an edited text but no "
                    "decision; choose 'approved with edits'."
                )
                continue
            raw_date = values.get("decided_at")
            if row.decision and _text(raw_date):
                parsed = _date(raw_date)
                if parsed is None:
                    problems.append(
                        f'{where}, cell {row.cell("decided_at")}: "{_text(raw_date)}" is not a '
                        "date; write it as YYYY-MM-DD, or leave it blank for today."
                    )
                    continue
                row.decided_at = parsed
            rows.append(row)
    if unhashed:
        sheets = [
            ws.title for ws in wb.worksheets if ws.title.casefold() != README_SHEET.casefold()
        ]
        where = p.name if unhashed == sheets else f"{p.name}, sheet {', '.join(unhashed)}"
        problems.append(
            f"{where} has no hidden {HASH_HEADER} column (the workbook was written by an older "
            "version, or the column was deleted), so its quotes cannot be checked against "
            "the transcripts; request the quotes again and send that workbook."
        )
    if not rows and not problems and README_SHEET not in wb.sheetnames:
        problems.append(
            f"{p.name} has no participant sheets; import the request workbook as it was written."
        )
    return rows, problems


def fill_decisions(path: PathLike, decision: str, *, decided_at: str | None = None) -> int:
    """Fill every blank Decision of a request workbook with ``decision`` (demo and tests).

    Returns the number of rows filled.
    """
    from openpyxl import load_workbook

    p = Path(path)
    wb = load_workbook(p)
    filled = 0
    headers = {h: j for j, (_, h) in enumerate(REQUEST_HEADERS, start=1)}
    for ws in wb.worksheets:
        if ws.title == README_SHEET:
            continue
        for r in range(2, ws.max_row + 1):
            if (
                ws.cell(row=r, column=headers["Quote id"]).value
                and not ws.cell(row=r, column=headers["Decision"]).value
            ):
                set_text_cell(ws.cell(row=r, column=headers["Decision"]), decision)
                if decided_at:
                    set_text_cell(ws.cell(row=r, column=headers["Date"]), decided_at)
                filled += 1
    with atomic_path(p) as tmp:
        wb.save(tmp)
    return filled
