"""REFI-QDA exchange with NVivo, ATLAS.ti, MAXQDA, QualCoder and other QDA tools.

Codebooks go out and in as ``.qdc`` (:mod:`.qdc`), whole projects as ``.qdpx``
(:mod:`.qdpx` out, :mod:`.qdpx_import` in). Everything read from another tool passes
through the hardened parser of :mod:`.safexml`; :mod:`.schema` validates against the
REFI-QDA schemas shipped in ``schemas/``.

Example:
    >>> from mpsp_qual import Project
    >>> from mpsp_qual.formats.refi import export_qdpx, import_qdpx
    >>> export_qdpx(Project.open("study"), output="study.qdpx")  # doctest: +SKIP
    >>> import_qdpx("from-atlas.qdpx", "study-from-atlas")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from mpsp_qual.app.exchange import QdpxImport, import_qdpx
from mpsp_qual.core.model import PathLike
from mpsp_qual.formats.refi.qdc import (
    ReadCodebook,
    codebook_to_qdc,
    export_qdc,
    import_codebook,
    read_qdc,
    write_qdc,
)
from mpsp_qual.formats.refi.qdpx import WITHDRAWN_MARK, ExportReport, export_qdpx, project_to_qdpx
from mpsp_qual.formats.refi.schema import CODEBOOK_NS, PROJECT_NS, schema_errors

__all__ = [
    "CODEBOOK_NS",
    "PROJECT_NS",
    "WITHDRAWN_MARK",
    "ExportReport",
    "QdpxImport",
    "ReadCodebook",
    "codebook_to_qdc",
    "demo_step",
    "export_qdc",
    "export_qdpx",
    "import_codebook",
    "import_qdpx",
    "project_to_qdpx",
    "read_qdc",
    "schema_errors",
    "write_qdc",
]


def demo_step(
    project,
    outdir: PathLike,
    *,
    log: Callable[[str], None],
    show: Callable[[str, pd.DataFrame], None],
) -> None:
    """The demo's REFI-QDA part: write ``OUTDIR/project.qdpx`` and ``OUTDIR/codebook.qdc``."""
    out = Path(outdir)
    report = export_qdpx(project, output=out / "project.qdpx")
    codes = export_qdc(project, output=out / "codebook.qdc")
    log(
        f"Wrote {out / 'project.qdpx'} for NVivo, ATLAS.ti, MAXQDA or QualCoder: "
        f"{report.sources} sources, {report.selections} selections, {report.codings} codings "
        f"by {report.users} coder(s), {report.cases} cases; and {out / 'codebook.qdc'} "
        f"({codes} codes)."
    )
    show(
        "REFI-QDA export",
        pd.DataFrame(
            {
                "element": ["users", "codes", "cases", "sources", "selections", "codings", "notes"],
                "count": [
                    report.users,
                    report.codes,
                    report.cases,
                    report.sources,
                    report.selections,
                    report.codings,
                    report.notes,
                ],
            }
        ),
    )
