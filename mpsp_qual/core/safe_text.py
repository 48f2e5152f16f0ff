"""Transcript text made harmless on its way out: control characters and Markdown.

A transcript may hold anything: form feeds and vertical tabs from a word processor,
ESC and BEL from a pasted terminal session, HTML, Markdown links and images. XML (so
``.docx`` and ``.xlsx``) cannot hold most C0 control characters at all, a terminal runs
ESC sequences, and a Markdown viewer renders ``<script>``, ``[x](javascript:...)`` and
``![](https://remote/image)``. :func:`printable` replaces control characters;
:func:`markdown_text` escapes text so that a Markdown viewer shows it as written.
"""

from __future__ import annotations

import re

#: Whitespace-like controls become a space; every other control a visible U+FFFD.
_SPACE_LIKE = "\f\v\x1c\x1d\x1e\x1f\x85"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TABLE = {ord(c): " " for c in _SPACE_LIKE}

#: CommonMark lets any ASCII punctuation be escaped with a backslash; these are the
#: characters that can start markup anywhere in a line (escaped brackets leave no link
#: or image, so parentheses may stay as they are).
_INLINE = re.compile(r"([\\`*_\[\]<>#|~&])")
#: Markup that only counts at the start of a line: lists, headings, rules, quotes.
_LINE_START = re.compile(r"^(\s*)([-+=])", re.M)
_NUMBERED = re.compile(r"^(\s*\d+)\.", re.M)


def printable(text: str, *, keep: str = "\t\n") -> str:
    """``text`` with control characters replaced (form feed and the like by a space,
    others by U+FFFD); the characters in ``keep`` (tab and newline) are left."""
    text = text.translate(_TABLE)
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else "\ufffd", text)


def markdown_text(text: str) -> str:
    """``text`` escaped so that Markdown (and the HTML inside it) renders it as text:
    ``<b>`` is shown as ``<b>``, ``[x](y)`` as ``[x](y)``, never as markup."""
    text = _INLINE.sub(r"\\\1", printable(text))
    text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return _NUMBERED.sub(lambda m: m.group(1) + "\\.", text)
