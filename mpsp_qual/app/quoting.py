"""Quote approval round trips: a participant's filled-in workbook back into the project.

The workbook is read by :mod:`mpsp_qual.formats.quotebank` and its decisions checked
and recorded by :mod:`mpsp_qual.consent.approvals`; this joins the two.
"""

from __future__ import annotations

from pathlib import Path

from mpsp_qual.consent.approvals import ApprovalReport, record_decisions
from mpsp_qual.core.model import PathLike
from mpsp_qual.formats.quotebank import read_decisions


def approve_quotes(project, path: PathLike) -> ApprovalReport:
    """Record the decisions of a filled-in request workbook (``quotes request``).

    All or nothing: every row is checked first, and any problem leaves the project
    unchanged; see :func:`mpsp_qual.consent.approvals.record_decisions`.

    Raises:
        SheetError: the workbook cannot be read, or a row names an unknown quote, an
            unknown decision, an edit without its text, a quote whose transcript changed,
            or an edit that is not one (``problems`` lists each cell).
    """
    rows, problems = read_decisions(Path(path))
    return record_decisions(project, path, rows, problems)
