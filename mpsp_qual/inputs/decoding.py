"""Turning a file's bytes into text: one rule for transcripts and registers.

The rule, in order:

1. A UTF-16 byte-order mark means UTF-16 (Notepad's "Unicode").
2. NUL bytes anywhere else mean a binary file, which is refused.
3. Text that decodes as UTF-8 (with or without a BOM) is UTF-8.
4. Text that does not, but holds at least one valid multi-byte UTF-8 sequence (or a
   UTF-8 BOM), is UTF-8 with damaged bytes: refused, naming the byte offset and the
   line, because re-reading it as Windows-1252 would silently turn every accented
   letter of the file into two wrong characters.
5. Otherwise, text that decodes as Windows-1252 is Windows-1252 (an old Word or
   Notepad export: curly quotes and dashes, no UTF-8 anywhere); bytes that
   Windows-1252 does not define are refused, naming the offset and line.

Line endings become ``\\n`` and the text is put in Unicode NFC, so that a name typed
on a Mac (decomposed, NFD) is the same string as one typed on Windows.
"""

from __future__ import annotations

import re
import unicodedata

#: A well-formed UTF-8 sequence of two or more bytes (RFC 3629).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


class DecodeProblem(ValueError):
    """Bytes that are not text by the rule above; ``str()`` is the reason, without a file name."""


def decode_bytes(data: bytes) -> str:
    """Decode a text file's bytes by the module's rule; NFC, ``\\n`` line endings.

    Raises:
        DecodeProblem: binary data, or bytes invalid in the encoding the file is in.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
        return normalise(text)
    if b"\x00" in data:
        raise DecodeProblem("is not a text file (it holds binary data)")
    try:
        return normalise(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if data.startswith(b"\xef\xbb\xbf") or _UTF8_MULTIBYTE.search(data):
        offset = utf8_error.start
        raise DecodeProblem(
            f"line {_line_of(data, offset)}: byte {offset} (0x{data[offset]:02X}) is not valid "
            "UTF-8, though the rest of the file is UTF-8; retype the character there or save "
            "the file again as UTF-8"
        )
    try:
        return normalise(data.decode("cp1252"))
    except UnicodeDecodeError as exc:
        offset = exc.start
        raise DecodeProblem(
            f"line {_line_of(data, offset)}: byte {offset} (0x{data[offset]:02X}) is neither "
            "UTF-8 nor Windows-1252 text; save the file as UTF-8"
        ) from None


def normalise(text: str) -> str:
    """``\\n`` line endings, no BOM, Unicode NFC."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
