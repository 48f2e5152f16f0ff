"""mpsp_qual: code qualitative interviews against a codebook, and report on them.

The public API: open or create a :class:`Project`, load codebooks, read transcripts.
"""

from mpsp_qual.app.project import Project
from mpsp_qual.core.errors import MpspQualError
from mpsp_qual.core.model import Code, Codebook, Coding, Document, Participant, Segment, Turn
from mpsp_qual.inputs.codebook import load_codebook, save_codebook
from mpsp_qual.inputs.register import read_register
from mpsp_qual.inputs.transcripts import read_transcript

__version__ = "0.1.0"

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
