"""A transcript file's bytes as text, or a refusal that names the file.

The decoding rule is :mod:`mpsp_qual.inputs.decoding`'s (shared with the register);
this module only adds the file's name and the fix to its problems.
"""

from __future__ import annotations

from pathlib import Path

from mpsp_qual.core.errors import TranscriptError
from mpsp_qual.inputs.decoding import DecodeProblem, decode_bytes


def decode(path: Path, data: bytes) -> str:
    """Decode transcript bytes (see :mod:`mpsp_qual.inputs.decoding`).

    Raises:
        TranscriptError: the file is empty, is not text, or has bytes invalid in its
            encoding (the message names the byte offset and line).
    """
    if not data.lstrip(b"\xef\xbb\xbf").strip() or not data.strip(b"\xff\xfe\x00 \r\n\t"):
        raise TranscriptError(f"{path.name} is empty; give a transcript with at least one turn.")
    try:
        text = decode_bytes(data)
    except DecodeProblem as exc:
        problem = str(exc)
        if problem.startswith("line"):
            raise TranscriptError(f"{path.name}, {problem}.") from None
        raise TranscriptError(
            f"{path.name} {problem}; export the transcript as .txt, .docx, .vtt or .srt."
        ) from None
    if not text.strip():
        raise TranscriptError(f"{path.name} is empty; give a transcript with at least one turn.")
    return text
