"""mpsp_qual: code qualitative interviews against a codebook, and report on them.

The public API: open or create a :class:`Project`, load codebooks, read transcripts.
Names are loaded when first used (PEP 562), so that ``import mpsp_qual`` and the
command line start without spaCy or pandas.

The package is layered; each layer imports only itself and those below it (a
function-level import is still an import), as import-linter checks in ``make lint``::

    cli, web      interfaces: import only app and core; siblings
    app           the Project facade, services, reporting, exchange, the demo
    formats       tables, Excel, quote bank, coding sheets, REFI-QDA
    consent       the quote gate, redaction, approvals, verification, withdrawal
    analysis      aggregate, agreement, reliability, survey
    coding        auto-coding, whose codings count
    inputs        transcript readers, segmentation, register, codebook, survey, drafts
    store         the project file and all SQL
    core          model, errors, files, text, vocabularies, columns, version
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mpsp_qual.core._version import __version__

if TYPE_CHECKING:
    from mpsp_qual.app.project import Project
    from mpsp_qual.core.errors import MpspQualError
    from mpsp_qual.core.model import Code, Codebook, Coding, Document, Participant, Segment, Turn
    from mpsp_qual.inputs.codebook import load_codebook, save_codebook
    from mpsp_qual.inputs.register import read_register
    from mpsp_qual.inputs.transcripts import read_transcript

_LAZY = {
    "Code": "mpsp_qual.core.model",
    "Codebook": "mpsp_qual.core.model",
    "Coding": "mpsp_qual.core.model",
    "Document": "mpsp_qual.core.model",
    "MpspQualError": "mpsp_qual.core.errors",
    "Participant": "mpsp_qual.core.model",
    "Project": "mpsp_qual.app.project",
    "Segment": "mpsp_qual.core.model",
    "Turn": "mpsp_qual.core.model",
    "load_codebook": "mpsp_qual.inputs.codebook",
    "read_register": "mpsp_qual.inputs.register",
    "read_transcript": "mpsp_qual.inputs.transcripts",
    "save_codebook": "mpsp_qual.inputs.codebook",
}

__all__ = [
    "Code",
    "Codebook",
    "Coding",
    "Document",
    "MpspQualError",
    "Participant",
    "Project",
    "Segment",
    "Turn",
    "load_codebook",
    "read_register",
    "read_transcript",
    "save_codebook",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mpsp_qual' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
