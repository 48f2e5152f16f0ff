"""Formatted Excel workbooks: any tables as sheets, and the analyst's summary workbook.

:func:`write_frames` writes DataFrames as sheets with a bold frozen header, an
autofilter, fitted column widths, wrapped long text and ``0%`` formats on fraction
columns. :func:`write_summary` gathers the project's aggregates (prevalence, the
breakdowns, the matrices, survey agreement, and the reliability and quote tables
when given) into ``summary.xlsx`` with native charts and colour scales. Every text
cell goes through :func:`~mpsp_qual.formats.tables.set_text_cell`, so transcript text
that starts with ``=`` stays text, and every workbook is written whole or not at all.
Tables holding text not cleared for quoting are written with ``internal``: a red banner
row and every printed page then say so (:mod:`mpsp_qual.formats.internal`).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from mpsp_qual.analysis import aggregate
from mpsp_qual.analysis.survey import SMALL_GROUP
from mpsp_qual.core import numbers
from mpsp_qual.core.errors import AnalysisError, ReliabilityError
from mpsp_qual.core.files import atomic_path
from mpsp_qual.core.model import AUTO_CODER, CONSENSUS_CODER, PathLike
from mpsp_qual.formats.cells import set_text_cell
from mpsp_qual.formats.internal import BANNER_FILL, BANNER_FONT, INTERNAL_MARK, mark_sheet
from mpsp_qual.store.db import now

__all__ = [
    "INTERNAL_MARK",
    "OptionalTables",
    "Summary",
    "optional_tables",
    "write_frames",
    "write_summary",
]

#: Excel refuses cells longer than this.
MAX_CELL_CHARS = 32767
_MAX_WIDTH = 60
_MIN_WIDTH = 8
_WRAP_OVER = 50
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", start_color="DDE4EE", end_color="DDE4EE")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


#: Columns holding fractions, shown as ``0%`` (the terminal's rule too).
is_percent_column = numbers.is_percent_column


def _cell_value(value: Any) -> Any:
    """A value openpyxl can store: NaN and NA empty, numpy scalars plain, text safe."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value
    if isinstance(value, date):
        return value
    if isinstance(value, (dict, list, tuple)):
        value = json.dumps(value, ensure_ascii=False, default=str)
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


def _sheet_title(name: str, taken: set[str]) -> str:
    base = _SHEET_NAME_BAD.sub("-", str(name)).strip("'") or "Sheet"
    title, i = base[:31], 2
    while title.casefold() in taken:
        suffix = f" ({i})"
        title, i = base[: 31 - len(suffix)] + suffix, i + 1
    taken.add(title.casefold())
    return title


#: Headers a reader sees in the summary workbook, for the tables' column names.
PLAIN_HEADERS = {
    "item": "Item", "value": "Value", "sha256": "SHA-256", "note": "Note", "id": "Id",
    "parent": "Parent", "level": "Level", "name": "Name", "description": "Description",
    "include": "Use when", "exclude": "Not when", "keywords": "Keywords",
    "exclude_keywords": "Not with", "examples": "Examples", "color": "Colour",
    "codable": "Codable", "fuzzy": "Fuzzy match", "code": "Code",
    "pct_participants": "% of participants", "participants": "Participants",
    "segments": "Segments", "documents": "Documents", "chart": "Chart",
    "participant_id": "Participant", "attribution": "Attributed as", "statement": "Statement",
    "type": "Type", "excluded": "Not counted", "agree": "Agree", "pct_agree": "% agree",
    "pct_neither": "% neither", "pct_disagree": "% disagree", "ci_low": "95% CI from",
    "ci_high": "95% CI to", "label": "Label", "n_units": "Units", "applied": "Applied",
    "percent_agreement": "% agreement", "kappa": "Kappa", "kappa_kind": "Kappa kind",
    "alpha": "Alpha", "alpha_low": "Alpha 95% from", "alpha_high": "Alpha 95% to",
    "verdict": "Verdict", "quote_id": "Quote id", "code_name": "Code name",
    "start_time": "Time", "words": "Words", "strength": "Strength", "status": "Status",
    "decision": "Decision", "text": "Quote", "document": "Document", "segment_id": "Segment",
    "start": "Start", "end": "End", "region": "Region", "sector": "Sector",
}  # fmt: skip


def write_sheet(
    ws: Worksheet, frame: pd.DataFrame, *, plain: bool = False, banner: str | None = None
) -> None:
    """Write a DataFrame into an empty worksheet, formatted, every text cell as text.

    With ``plain``, column names in :data:`PLAIN_HEADERS` head their columns in words
    (``pct_participants`` as "% of participants"); formats follow the names either way.
    With ``banner``, a red row above the header says it (and prints on every page).
    """
    names = [str(c) for c in frame.columns]
    if banner:
        cell = ws.cell(row=1, column=1)
        set_text_cell(cell, banner)
        cell.font = BANNER_FONT
        for j in range(1, max(len(names), 1) + 1):
            ws.cell(row=1, column=j).fill = BANNER_FILL
    if not names:
        return
    top = 2 if banner else 1
    headers = [PLAIN_HEADERS.get(h, h) if plain else h for h in names]
    widths = [len(h) for h in headers]
    wrap = [False] * len(headers)
    percent = [is_percent_column(h) for h in names]
    for j, header in enumerate(headers, 1):
        cell = ws.cell(row=top, column=j)
        set_text_cell(cell, _cell_value(header))
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = _WRAP
    for i, row in enumerate(frame.itertuples(index=False, name=None), top + 1):
        for j, raw in enumerate(row):
            value = _cell_value(raw)
            cell = ws.cell(row=i, column=j + 1)
            set_text_cell(cell, value)
            if percent[j] and isinstance(value, (int, float)):
                cell.number_format = "0%"
                length = 4
            elif isinstance(value, float):
                # Rounded for reading, the full value kept in the cell (87.0967... shows 87.1).
                cell.number_format = "0.0" if names[j].startswith("percent") else "0.000"
                length = 7
            elif isinstance(value, str):
                length = max((len(line) for line in value.split("\n")), default=0)
                wrap[j] = wrap[j] or length > _WRAP_OVER or "\n" in value
            else:
                length = len(str(value)) if value is not None else 0
            widths[j] = max(widths[j], length)
    last_row = len(frame) + top
    for j in range(len(headers)):
        if wrap[j] or not percent[j]:
            for (cell,) in ws.iter_rows(
                min_row=top + 1, max_row=last_row, min_col=j + 1, max_col=j + 1
            ):
                cell.alignment = _WRAP if wrap[j] else _TOP
        letter = get_column_letter(j + 1)
        ws.column_dimensions[letter].width = min(max(widths[j] + 2, _MIN_WIDTH), _MAX_WIDTH)
    ws.freeze_panes = f"A{top + 1}"
    ws.auto_filter.ref = f"A{top}:{get_column_letter(len(headers))}{last_row}"


def _xlsx_target(path: PathLike) -> Path:
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise AnalysisError(
            f"{target}: a workbook is written as .xlsx; name the file {target.stem}.xlsx."
        )
    return target


def _save(workbook: Workbook, path: PathLike) -> Path:
    target = _xlsx_target(path)
    with atomic_path(target) as tmp:
        workbook.save(tmp)
    return target


def write_frames(
    frames: Mapping[str, pd.DataFrame], path: PathLike, *, internal: bool = False
) -> Path:
    """Write tables as the sheets of one formatted ``.xlsx`` workbook, whole or not at all.

    Each sheet gets a bold frozen header row, an autofilter, column widths fitted to
    the content (up to 60 characters), wrapped text where cells are long, and ``0%``
    on fraction columns (``pct_*``, ``ci_low``, ``ci_high``, names ending ``%``).
    Text is stored as text, never as a formula. Sheet names are cut to Excel's 31
    characters and made unique.

    Example:
        >>> write_frames({"Prevalence": prevalence(project)}, "prevalence.xlsx")  # doctest: +SKIP

    Args:
        frames: Sheet name to table, in sheet order.
        path: The ``.xlsx`` file to write.
        internal: The tables hold text not cleared for quoting: each sheet then has a red
            banner row saying :data:`INTERNAL_MARK` above its header (printed on every
            page with the header) and the mark at the top and bottom of every page
            (:func:`mpsp_qual.formats.internal.mark_sheet`).

    Returns:
        The path written.

    Raises:
        AnalysisError: ``path`` does not end in ``.xlsx``.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for name, frame in frames.items():
        ws = workbook.create_sheet(_sheet_title(name, taken))
        write_sheet(ws, frame, banner=INTERNAL_MARK.upper() if internal else None)
    if not workbook.worksheets:
        workbook.create_sheet("Table")
    if internal:
        for ws in workbook.worksheets:
            mark_sheet(ws)
            ws.print_title_rows = "1:2"
        workbook.properties.title = INTERNAL_MARK
        workbook.properties.keywords = INTERNAL_MARK
    return _save(workbook, path)


# --------------------------------------------------------------------------- summary


@dataclass
class Summary:
    """What :func:`write_summary` wrote: the file, its sheets, whose codings counted, notes."""

    path: Path
    sheets: list[str]
    coder: str
    notes: list[str] = field(default_factory=list)


@dataclass
class OptionalTables:
    """The reliability and quote tables for the summary, where they can be had."""

    reliability: pd.DataFrame | None = None
    quotes: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def optional_tables(project, *, coder: str | None = None) -> OptionalTables:
    """Compute the Reliability and Quotes sheets' tables when the project supports them.

    Reliability compares the human coders (every coder but ``auto`` and
    ``consensus``) when there are two or more, else the one human coder with
    ``auto``; with fewer than two coders there is none. Quotes are the approved
    quote bank of ``coder``'s codings (default :meth:`Project.default_coder`).
    Either is left out, with a note saying why, when its module is not installed
    or (reliability) the statistics are undefined for the data.
    """
    out = OptionalTables()
    coders = project.coders()
    compared = [c for c in coders if c not in (AUTO_CODER, CONSENSUS_CODER)]
    if len(compared) == 1 and AUTO_CODER in coders:
        compared.append(AUTO_CODER)
    if len(compared) >= 2:
        try:
            from mpsp_qual.analysis.agreement import agreement_report
        except ImportError:
            out.notes.append(
                "the Reliability sheet is left out: agreement statistics are not available."
            )
        else:
            try:
                out.reliability = agreement_report(project, compared)
            except ReliabilityError as exc:
                out.notes.append(f"the Reliability sheet is left out: {exc}")
    try:
        from mpsp_qual.consent.quotes import quote_bank
    except ImportError:
        pass
    else:
        options = {} if coder is None else {"coder": coder}
        out.quotes = quote_bank(project, status="approved", **options)
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _register_file(project) -> tuple[str, str] | None:
    """The last register file loaded (from the audit log) and when."""
    row = project.store.last_audit("register")
    if row is None:
        return None
    source = json.loads(row[1] or "{}").get("file")
    return (source, row[0]) if source else None


def _about(
    analysis: aggregate.Analysis,
    survey_path: Path | None,
    survey_source: str | None,
) -> pd.DataFrame:
    from mpsp_qual.core._version import __version__

    project, coder = analysis.project, analysis.coder
    codebook = analysis.codebook
    codebook_yaml = project.store.get_setting("codebook") or ""
    people = project.participants()
    withdrawn = int(people["withdrawn"].sum()) if "withdrawn" in people else 0
    documents = project.documents()
    rows: list[tuple[str, Any, str, str]] = [
        ("Generated at", now(), "", ""),
        ("Generated by", f"mpsp-qual {__version__}", "", ""),
        ("Project", str(project.directory), "", ""),
        (
            "Codebook",
            f"{codebook.name}, version {codebook.version}",
            hashlib.sha256(codebook_yaml.encode("utf-8")).hexdigest(),
            "SHA-256 of the codebook as stored in the project (YAML)",
        ),
        (
            "Coder used",
            coder,
            "",
            "whose codings count: consensus if present, else the one human coder "
            "who coded everything, else auto, unless chosen",
        ),
        (
            "Participants counted (n)",
            analysis.n,
            "",
            "not withdrawn, with at least one segment",
        ),
        ("Participants withdrawn (left out)", withdrawn, "", ""),
        ("Documents", len(documents), "", ""),
        ("Participant segments", len(analysis.segments), "", "withdrawn participants left out"),
        (f"Codings by {coder}", len(analysis.codings), "", "withdrawn participants left out"),
        ("Codes", len(codebook), "", ""),
    ]
    for doc in documents.itertuples(index=False):
        rows.append(("Transcript", doc.document, doc.sha256, f"imported {doc.imported_at}"))
    register = _register_file(project)
    if register is not None:
        source, loaded = register
        file = Path(source)
        if file.is_file():
            rows.append(
                (
                    "Participants register",
                    source,
                    _sha256(file),
                    f"loaded {loaded}; SHA-256 of the file as it is now",
                )
            )
        else:
            rows.append(
                ("Participants register", source, "", f"loaded {loaded}; file not found now")
            )
    if survey_path is not None:
        rows.append(("Survey", str(survey_path), _sha256(survey_path), ""))
    elif survey_source is not None:
        rows.append(("Survey", survey_source, "", "given as a table"))
    return pd.DataFrame(rows, columns=["item", "value", "sha256", "note"])


def _blank_label(group: str) -> str:
    return group if group else "(blank)"


def _by_wide(long: pd.DataFrame, by: str) -> pd.DataFrame:
    """Prevalence by group side by side: per group a participants and a % column."""
    first = long[long[by] == long[by].iloc[0]] if len(long) else long
    wide = first[["code", "name", "level"]].reset_index(drop=True)
    for group, part in long.groupby(by, sort=True):
        n = int(part["n"].iloc[0])
        small = ", small group" if n < SMALL_GROUP else ""
        label = f"{_blank_label(str(group))} (n = {n}{small})"
        part = part.reset_index(drop=True)
        wide[f"{label}: participants"] = part["participants"]
        wide[f"{label}: %"] = part["pct_participants"]
    return wide


def _percent_chart(
    ws: Worksheet,
    *,
    title: str,
    labels_col: int,
    values_col: int,
    rows: int,
    anchor: str,
) -> None:
    """A horizontal bar chart of a fraction column, first row on top, axis in %."""
    if rows == 0:
        return
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = title
    chart.legend = None
    data = Reference(ws, min_col=values_col, min_row=1, max_row=rows + 1)
    labels = str(Reference(ws, min_col=labels_col, min_row=2, max_row=rows + 1))
    chart.add_data(data, titles_from_data=True)
    # A text reference: set_categories() would declare the labels numbers.
    chart.series[0].cat = AxDataSource(strRef=StrRef(f=labels))
    # First row on top; the value axis then belongs at the (now bottom) maximum.
    chart.x_axis.scaling.orientation = "maxMin"
    chart.y_axis.crosses = "max"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.y_axis.number_format = "0%"
    chart.y_axis.majorGridlines = None
    # openpyxl >= 3.1 hides axes unless told otherwise; Excel then shows no labels.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.height = max(7.5, 0.55 * rows + 2)
    chart.width = 22
    ws.add_chart(chart, anchor)


def _charts_sheet(analysis, responses, agree):
    """A Charts sheet: the report's figures (``report --charts``) as pictures, one a page.

    Left out, with nothing said, where matplotlib or Pillow is missing: the native charts
    on the Prevalence and Survey sheets still show the figures.
    """
    try:
        from openpyxl.drawing.image import Image
        from PIL import Image as _pillow  # noqa: F401 - openpyxl needs it to embed pictures

        from mpsp_qual.formats import charts
    except ImportError:
        return None
    import io

    import matplotlib.pyplot as plt

    from mpsp_qual.analysis.survey import survey_agreement

    survey = survey_agreement(responses, agree=agree) if responses is not None else None
    pictures = []
    for fig in charts.figures(analysis.project, analysis=analysis, survey=survey):
        buffer = io.BytesIO()
        fig.figure.savefig(buffer, format="png", dpi=110)
        plt.close(fig.figure)
        buffer.seek(0)
        pictures.append((fig.title, buffer))
    if not pictures:
        return None
    frame = pd.DataFrame({"chart": [title for title, _ in pictures]})

    def place(ws: Worksheet, _frame: pd.DataFrame) -> None:
        from openpyxl.worksheet.pagebreak import Break

        # Titles stay in column A (so the sheet lists its charts); pictures go beside them,
        # each on its own printed page.
        row = 2
        for k, (_title, buffer) in enumerate(pictures):
            image = Image(buffer)
            scale = 600 / image.width
            image.width, image.height = image.width * scale, image.height * scale
            ws.add_image(image, f"C{row}")
            rows = int(image.height / 20) + 2
            if k:
                ws.row_breaks.append(Break(id=row - 1))
            row += rows

    return ("Charts", frame, place)


def _headline_first(prevalence: pd.DataFrame) -> pd.DataFrame:
    """The prevalence table as a reader wants it: the % of participants beside the name."""
    first = ["code", "name", "pct_participants", "participants", "n"]
    return prevalence[[*first, *(c for c in prevalence.columns if c not in first)]]


def _outline(ws: Worksheet, frame: pd.DataFrame, codebook) -> None:
    """Codebook order shown as an outline: names indented by level, parent codes bold."""
    parents = {c.parent for c in codebook if c.parent}
    name_col = frame.columns.get_loc("name") + 1
    bold = Font(bold=True)
    for i, code in enumerate(frame["code"], start=2):
        level = codebook.level(code) if code in codebook else 1
        ws.cell(row=i, column=name_col).alignment = Alignment(
            horizontal="left", indent=level - 1, vertical="top"
        )
        if code in parents:
            for j in range(1, len(frame.columns) + 1):
                ws.cell(row=i, column=j).font = bold


def _color_scale(
    ws: Worksheet, frame: pd.DataFrame, first_col: int, *, skip_diagonal: bool = False
) -> None:
    """A white-to-red scale over the counts; with ``skip_diagonal`` (a code x code matrix)
    a code's cell with itself, which only repeats its own frequency, is left out of the
    scale so that it does not wash out every other cell."""
    if len(frame) == 0 or len(frame.columns) < first_col:
        return
    last = get_column_letter(len(frame.columns))
    ref = f"{get_column_letter(first_col)}2:{last}{len(frame) + 1}"
    if skip_diagonal:
        columns = {str(c): j for j, c in enumerate(frame.columns, start=1)}
        parts = []
        for i, code in enumerate(frame.iloc[:, 0], start=2):
            diagonal = columns.get(str(code))
            spans = (
                [(first_col, len(frame.columns))]
                if diagonal is None or diagonal < first_col
                else [(first_col, diagonal - 1), (diagonal + 1, len(frame.columns))]
            )
            parts += [
                f"{get_column_letter(a)}{i}:{get_column_letter(b)}{i}" for a, b in spans if a <= b
            ]
        ref = " ".join(parts)
    ws.conditional_formatting.add(
        ref,
        ColorScaleRule(start_type="min", start_color="FFFFFF", end_type="max", end_color="F8696B"),
    )


#: What a cell of each matrix counts, said at the top of its printed pages.
CELL_COUNTS = {
    "Case x code": "each cell: the participant's segments with the code (sub-codes included)",
    "Co-occurrence": "each cell: segments with both codes; blank where one code is part of "
    "the other, and a code with itself is left out of the colour scale",
    "Co-occurrence (participants)": "each cell: participants with both codes; blank where "
    "one code is part of the other",
}


def page_setup(ws: Worksheet, *, internal: bool = False, note: str = "") -> None:
    """Print a sheet landscape, fitted to the page width, its header row on every page,
    ``note`` (what the figures count) at the top left of each page.

    With ``internal``, :data:`INTERNAL_MARK` heads every printed page and the sheet's tab
    turns red.
    """
    if note:
        ws.oddHeader.left.text = note
        ws.oddHeader.left.size = 8
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if ws.max_row > 1:
        ws.print_title_rows = "1:1"
    ws.oddFooter.center.text = "&A - page &P of &N"
    if internal:
        mark_sheet(ws)


def _anonymous_transcripts(about: pd.DataFrame) -> pd.DataFrame:
    """The About rows with each transcript's file name (which may name an organisation)
    replaced by a number; the SHA-256 still identifies the file for the team."""
    about = about.copy()
    rows = about["item"] == "Transcript"
    about.loc[rows, "value"] = [f"transcript {i}" for i in range(1, int(rows.sum()) + 1)]
    return about


#: The Quotes sheet's columns in a workbook that leaves the team.
OUTGOING_QUOTE_COLUMNS = [
    "quote_id", "code", "code_name", "participant_id", "attribution", "start_time", "words",
    "status", "decision", "text",
]  # fmt: skip


def outgoing_quotes(project, quotes: pd.DataFrame, *, internal: bool = False) -> pd.DataFrame:
    """Quote rows as a file that leaves the team may hold them: through the consent gate,
    without document names or offsets, with ids that name no transcript."""
    from mpsp_qual.consent.public_ids import public_quote_ids
    from mpsp_qual.consent.quotes import gate

    if len(quotes) and "participant_id" in quotes.columns:
        quotes = gate(project, quotes)
    if internal or "quote_id" not in quotes.columns:
        return quotes
    public = public_quote_ids(project, list(quotes["quote_id"]))
    out = quotes.assign(quote_id=[public[q] for q in quotes["quote_id"]])
    return out[[c for c in OUTGOING_QUOTE_COLUMNS if c in out.columns]]


def _read_survey_input(survey: PathLike | pd.DataFrame | None):
    from mpsp_qual.analysis.survey import read_survey

    if survey is None:
        return None, None, None
    if isinstance(survey, pd.DataFrame):
        return survey, None, str(survey.attrs.get("source", "survey table"))
    path = Path(survey)
    return read_survey(path), path, str(path)


def write_summary(
    project,
    path: PathLike,
    *,
    coder: str | None = None,
    survey: PathLike | pd.DataFrame | None = None,
    by: Sequence[str] = (),
    agree: Iterable[int | str] | None = None,
    reliability: pd.DataFrame | None = None,
    quotes: pd.DataFrame | None = None,
    optional: bool = False,
    internal: bool = False,
) -> Summary:
    """Write the analyst's summary workbook, whole or not at all.

    Sheets, in order: About (inputs with SHA-256, codebook version, coder used,
    counts, when generated), Codebook, Prevalence (with a bar chart of % of
    participants by code), ``By <attribute>`` per ``by`` attribute (each group's
    participants and % side by side, n in the header), Case x code and both
    Co-occurrence matrices (colour scales), Survey (with a chart) and ``Survey by
    <attribute>`` for each ``by`` attribute the survey has, Reliability, Quotes,
    Framework matrix. Everything is computed before the file is touched, so a bad
    input leaves any existing file as it was.

    Args:
        project: The project.
        path: The ``.xlsx`` file to write.
        coder: Whose codings count (default :meth:`Project.default_coder`).
        survey: A survey file (``.csv``/``.xlsx``) or a table from ``read_survey``.
        by: Participants register columns to break prevalence down by.
        agree: Likert levels that count as agree (default 4 and 5).
        reliability: A table for the Reliability sheet (left out when None).
        quotes: A table for the Quotes sheet (left out when None).
        optional: Compute the Reliability and Quotes tables not given, when the
            project supports them (see :func:`optional_tables`), once every input
            has been checked; ``Summary.notes`` says why one was left out.
        internal: Also write the Framework matrix (unredacted excerpts of every
            participant, not behind the consent gate) and the transcripts' file names;
            every sheet then says :data:`INTERNAL_MARK` on screen and on every printed
            page. Without it the workbook holds no verbatim text but approved,
            redacted quotes, and no identifier that names a transcript.

    Returns:
        A :class:`Summary` with the path, the sheet names, the coder used and notes.

    Raises:
        AnalysisError: the coder or a ``by`` column does not exist, or ``path`` is not ``.xlsx``.
        SurveyError: the survey cannot be read or has answers outside the scale.
    """
    from mpsp_qual.analysis.survey import survey_agreement
    from mpsp_qual.inputs.codebook import codebook_frame

    target = _xlsx_target(path)
    analysis = aggregate.Analysis(project, coder=coder)
    coder, n = analysis.coder, analysis.n
    by = list(dict.fromkeys([by] if isinstance(by, str) else by))
    responses, survey_path, survey_source = _read_survey_input(survey)

    prevalence = analysis.prevalence()
    Decorate = Callable[[Worksheet, pd.DataFrame], None]
    sheets: list[tuple[str, pd.DataFrame, Decorate | None]] = [
        ("About", _about(analysis, survey_path, survey_source), None),
        ("Codebook", codebook_frame(analysis.codebook), None),
    ]

    def prevalence_chart(ws: Worksheet, frame: pd.DataFrame) -> None:
        _percent_chart(
            ws,
            title=f"% of participants by code (n = {n}; coder {coder})",
            labels_col=2,
            values_col=frame.columns.get_loc("pct_participants") + 1,
            rows=len(frame),
            anchor=f"{get_column_letter(len(frame.columns) + 2)}2",
        )

    prevalence = _headline_first(prevalence)
    sheets.append(
        (
            "Prevalence",
            prevalence,
            lambda ws, f: (prevalence_chart(ws, f), _outline(ws, f, analysis.codebook)),
        )
    )
    for attribute in by:
        long = analysis.prevalence(by=attribute)
        sheets.append((f"By {attribute}", _by_wide(long, attribute), None))
    sheets.append(
        (
            "Case x code",
            analysis.case_code(),
            lambda ws, f: _color_scale(ws, f, 4),
        )
    )
    for unit, title in (
        ("segments", "Co-occurrence"),
        ("participants", "Co-occurrence (participants)"),
    ):
        sheets.append(
            (
                title,
                analysis.cooccurrence(unit=unit),
                lambda ws, f: _color_scale(ws, f, 3, skip_diagonal=True),
            )
        )
    if responses is not None:
        agreement = survey_agreement(responses, agree=agree)
        levels = ", ".join(str(x) for x in agreement.attrs.get("agree", ()))

        def survey_chart(ws: Worksheet, frame: pd.DataFrame) -> None:
            _percent_chart(
                ws,
                title=f"% agree (levels {levels}) by statement",
                labels_col=1,
                values_col=frame.columns.get_loc("pct_agree") + 1,
                rows=len(frame),
                anchor=f"{get_column_letter(len(frame.columns) + 2)}2",
            )

        sheets.append(("Survey", agreement, survey_chart))
        for attribute in by:
            if attribute in responses.columns:
                grouped = survey_agreement(responses, by=attribute, agree=agree)
                sheets.append((f"Survey by {attribute}", grouped, None))
    notes: list[str] = []
    if optional and (reliability is None or quotes is None):
        extras = optional_tables(project, coder=coder)
        reliability = extras.reliability if reliability is None else reliability
        quotes = extras.quotes if quotes is None else quotes
        notes = extras.notes
    if reliability is not None:
        sheets.append(("Reliability", reliability, None))
    if quotes is not None:
        sheets.append(("Quotes", outgoing_quotes(project, quotes, internal=internal), None))
    if internal:
        sheets.append(("Framework (internal)", analysis.framework_matrix(), None))
    else:
        sheets[0] = ("About", _anonymous_transcripts(sheets[0][1]), None)

    charts_sheet = _charts_sheet(analysis, responses, agree)
    if charts_sheet is not None:
        sheets.insert(3, charts_sheet)
    units = project.store.documents.units()
    note = (
        f"n = {n} participants; unit: segment ({' or '.join(units) if units else 'turn'}); "
        f"coder {coder}"
    )
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    names = []
    for name, frame, decorate in sheets:
        ws = workbook.create_sheet(_sheet_title(name, taken))
        write_sheet(ws, frame, plain=True)
        if decorate is not None:
            decorate(ws, frame)
        counts = CELL_COUNTS.get(name)
        page_setup(ws, internal=internal, note=f"{note}; {counts}" if counts else note)
        names.append(ws.title)
    if internal:
        workbook.properties.title = INTERNAL_MARK
        workbook.properties.keywords = INTERNAL_MARK
    _save(workbook, target)
    return Summary(path=target, sheets=names, coder=coder, notes=notes)
