"""A transcript file's bytes as text, or a refusal that names the file.

The decoding rule is :mod:`mpsp_qual.inputs.decoding`'s (shared with the register);
this module only adds the file's name and the fix to its problems.
"""

from __future__ import annotations

import re
from pathlib import Path

from mpsp_qual.core.errors import TranscriptError
from mpsp_qual.inputs.decoding import DecodeProblem, decode_bytes

# What bytes.strip() and str.strip() would leave nothing of, matched rather than
# stripped: stripping a 200 MB file that ends in a newline copies it.
_BLANK_UTF8 = re.compile(rb"[\xef\xbb\xbf]*[ \t\n\r\x0b\x0c]*")
_BLANK_UTF16 = re.compile(rb"[\xff\xfe\x00 \r\n\t]*")


def decode(path: Path, data: bytes) -> str:
    """Decode transcript bytes (see :mod:`mpsp_qual.inputs.decoding`).

    Raises:
        TranscriptError: the file is empty, is not text, or has bytes invalid in its
            encoding (the message names the byte offset and line).
    """
    if _BLANK_UTF8.fullmatch(data) or _BLANK_UTF16.fullmatch(data):
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
    if not text or text.isspace():
        raise TranscriptError(f"{path.name} is empty; give a transcript with at least one turn.")
    return text
