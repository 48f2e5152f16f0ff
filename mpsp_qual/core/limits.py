"""Bounds on what a hostile or unlucky input file may make us do.

A ``.docx``, ``.xlsx`` or ``.qdpx`` is a zip archive: three megabytes of it can declare
gigabytes of XML. :func:`check_zip` reads the archive's directory (which costs nothing)
and refuses one whose members, declared sizes or compression ratios are beyond what
any real transcript, register, codebook or project needs; Python's zip reader never
inflates a member past its declared size, so checking the declarations bounds the
work. An XML part that declares a DOCTYPE (entities) is refused too: the readers do
not expand entities, so text after one would be lost without a word. Warnings are summarised by :func:`summarise` after the first few. This module
imports nothing of the package but its errors.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

from mpsp_qual.core.errors import InputError

#: No one member of an input archive may unpack to more than this.
MAX_MEMBER_BYTES = 256 * 1024 * 1024
#: Nor all of them together.
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
#: XML compresses well, but not a thousand to one: that is a bomb.
MAX_RATIO = 200
#: Ratios are judged only for members bigger than this (tiny files compress oddly).
RATIO_FLOOR = 1024 * 1024
MAX_MEMBERS = 20_000
#: How much of each XML part is searched for a DOCTYPE (which must precede the root).
XML_HEAD_BYTES = 8192
#: How many warnings are shown before the rest are counted.
SHOWN_WARNINGS = 10


def _mib(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB"


def check_zip(path: Path | str, *, kind: str = "file") -> None:
    """Refuse an archive whose members would unpack beyond the limits above.

    Args:
        path: the .docx, .xlsx or .qdpx file.
        kind: what it is, for the message ("Word document", "workbook").

    Raises:
        InputError: the file is too big when unpacked; the message names the file,
            the member and the limit. A file that is no zip archive at all passes, for
            its format's reader to report.
    """
    p = Path(path)
    try:
        with zipfile.ZipFile(p) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        return  # not a zip at all: the reader of the format says so in its own words
    if len(infos) > MAX_MEMBERS:
        raise InputError(
            f"{p.name} holds {len(infos):,} files, more than the {MAX_MEMBERS:,} allowed in a "
            f"{kind}; it is refused."
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES:
            raise InputError(
                f"{p.name}: {info.filename} unpacks to {_mib(info.file_size)}, more than the "
                f"{_mib(MAX_MEMBER_BYTES)} allowed for one part of a {kind}; it is refused."
            )
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise InputError(
                f"{p.name}: {info.filename} unpacks {info.file_size // max(info.compress_size, 1):,} "
                f"times over (more than {MAX_RATIO} is a zip bomb); it is refused."
            )
    if total > MAX_TOTAL_BYTES:
        raise InputError(
            f"{p.name} unpacks to {_mib(total)}, more than the {_mib(MAX_TOTAL_BYTES)} allowed "
            f"for a {kind}; it is refused."
        )
    _refuse_doctypes(p, infos, kind)


def _refuse_doctypes(p: Path, infos: list[zipfile.ZipInfo], kind: str) -> None:
    """Refuse XML parts that declare a DOCTYPE (entities): Word, Excel and REFI-QDA tools
    never write one, and the readers do not expand entities, so the text after an
    external entity would silently go missing. A DOCTYPE must come before the root
    element, so the first few kilobytes of each part tell."""
    with zipfile.ZipFile(p) as archive:
        for info in infos:
            if not info.filename.lower().endswith((".xml", ".rels", ".qde", ".vml")):
                continue
            try:
                with archive.open(info) as handle:
                    head = handle.read(XML_HEAD_BYTES)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
                return  # a damaged part: the format's reader reports it
            if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                raise InputError(
                    f"{p.name}: {info.filename} declares XML entities (<!DOCTYPE>), which no "
                    f"{kind} needs and whose text would be lost; it is refused (save the file "
                    "again from the program that made it)."
                )


def summarise(warnings: Sequence[str], *, shown: int = SHOWN_WARNINGS) -> list[str]:
    """The first ``shown`` warnings, then one line counting the rest ("and 999,990 more")."""
    if len(warnings) <= shown + 1:
        return list(warnings)
    return [*warnings[:shown], f"and {len(warnings) - shown:,} more warnings like these."]
