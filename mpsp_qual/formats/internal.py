"""Marking a workbook internal: it holds participants' words not cleared for quoting.

An output holding verbatim participant text that is not behind the consent gate (the
framework matrix, segment and turn listings, coding sheets, the disagreements workbook)
is written only on request and says so on every sheet and printed page. :func:`mark_sheet`
puts :data:`INTERNAL_MARK` at the top and bottom of every printed page of a worksheet and
turns its tab red; :func:`notice_sheet` adds a sheet that says it on screen, and
:func:`mark_workbook` does both for a whole workbook and sets its title. A table written
with ``internal`` (:func:`mpsp_qual.formats.excel.write_frames`) also gets a red banner row
above its header. CSV and JSON files have no pages: the command line says it on stderr.
"""

from __future__ import annotations

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from mpsp_qual.core.vocab import INTERNAL_MARK
from mpsp_qual.formats.cells import set_text_cell

__all__ = ["INTERNAL_MARK", "NOTICE_SHEET", "mark_sheet", "mark_workbook", "notice_sheet"]

#: The sheet that says so on screen, first in the workbook.
NOTICE_SHEET = "Internal"
RED = "C00000"
BANNER_FONT = Font(bold=True, color="FFFFFF")
BANNER_FILL = PatternFill("solid", start_color=RED, end_color=RED)

_EXPLANATION = (
    "This workbook holds participants' words, names or transcript names that are not "
    "cleared for quoting, including those of participants who declined quotes. It is a "
    "working file of the research team: do not send it outside the team, and take quotes "
    "for a report from the quote bank only."
)


def mark_sheet(ws: Worksheet) -> None:
    """:data:`INTERNAL_MARK` in the centre of every printed page's header and footer (odd,
    even and first pages), and a red tab."""
    for part in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
        part.center.text = INTERNAL_MARK.upper()
        part.center.color = RED
    for part in (ws.oddFooter, ws.evenFooter, ws.firstFooter):
        part.left.text = INTERNAL_MARK
        part.left.size = 8
    ws.sheet_properties.tabColor = RED


def notice_sheet(workbook: Workbook, *, index: int = 0) -> Worksheet:
    """Add the :data:`NOTICE_SHEET` saying :data:`INTERNAL_MARK` (first, by default)."""
    ws = workbook.create_sheet(NOTICE_SHEET, index)
    set_text_cell(ws.cell(row=1, column=1), INTERNAL_MARK.upper())
    ws.cell(row=1, column=1).font = BANNER_FONT
    ws.cell(row=1, column=1).fill = BANNER_FILL
    set_text_cell(ws.cell(row=3, column=1), _EXPLANATION)
    ws.cell(row=3, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 100
    ws.row_dimensions[3].height = 60
    return ws


def mark_workbook(workbook: Workbook, *, notice: bool = True) -> None:
    """Mark every sheet (:func:`mark_sheet`), add the notice sheet first unless the workbook
    already says it on screen, and put :data:`INTERNAL_MARK` in the file's title and keywords
    (what a file browser shows). The active sheet stays the one it was."""
    active = workbook.active.title if workbook.worksheets else None
    if notice and NOTICE_SHEET not in workbook.sheetnames:
        notice_sheet(workbook)
    for ws in workbook.worksheets:
        mark_sheet(ws)
    if active is not None:
        workbook.active = workbook.sheetnames.index(active)
    workbook.properties.title = INTERNAL_MARK
    workbook.properties.keywords = INTERNAL_MARK
