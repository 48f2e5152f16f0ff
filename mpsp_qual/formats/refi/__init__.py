"""REFI-QDA exchange with NVivo, ATLAS.ti, MAXQDA, QualCoder and other QDA tools.

Codebooks go out and in as ``.qdc`` (:mod:`.qdc`), whole projects as ``.qdpx``
(:mod:`.qdpx` out; :mod:`mpsp_qual.app.exchange` brings one in). Everything read from another tool passes
through the hardened parser of :mod:`.safexml`; :mod:`.schema` validates against the
REFI-QDA schemas shipped in ``schemas/``.

Example:
    >>> from mpsp_qual import Project
    >>> from mpsp_qual.formats.refi import export_qdpx
    >>> from mpsp_qual.app.exchange import import_qdpx
    >>> export_qdpx(Project.open("study"), output="study.qdpx")  # doctest: +SKIP
    >>> import_qdpx("from-atlas.qdpx", "study-from-atlas")  # doctest: +SKIP
"""

from __future__ import annotations

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
    "ReadCodebook",
    "codebook_to_qdc",
    "export_qdc",
    "export_qdpx",
    "import_codebook",
    "project_to_qdpx",
    "read_qdc",
    "schema_errors",
    "write_qdc",
]
