"""Speaker-label keys: the one rule for when two spellings name the same speaker.

A label from a transcript and one from the register name the same person when they
are equal after Unicode NFC normalisation (macOS writes names decomposed), full case
folding (:meth:`str.casefold`, which folds ``Ë`` as well as ``E``; SQLite's ``NOCASE``
folds ASCII only) and collapsing whitespace. Import, register, purge and every consent
check compare :func:`label_key` values, never raw strings. This module imports nothing
of the package.
"""

from __future__ import annotations

import unicodedata


def label_key(value: str | None) -> str:
    """The comparison key of a speaker label or transcript name.

    >>> label_key("ZOË  ÜNAL") == label_key("Zoe\\u0308 U\\u0308nal")
    True
    """
    if not value:
        return ""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", value).casefold())
    return " ".join(folded.split())
