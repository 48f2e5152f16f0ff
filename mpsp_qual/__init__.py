"""mpsp_qual: code qualitative interviews against a codebook, and report on them.

The public API: open or create a :class:`Project`, load codebooks, read transcripts.
"""

from .codebook import load_codebook, save_codebook
from .errors import MpspQualError
from .ingest import read_transcript
from .model import Code, Codebook, Coding, Document, Participant, Segment, Turn
from .project import Project
from .register import read_register

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
