"""Hardened XML and zip reading for files that come from other people's tools.

A REFI-QDA file is untrusted input: it may declare entities that expand into gigabytes
(a "billion laughs") or point at local files and URLs (an external entity), and a
``.qdpx`` zip may name members such as ``../../.bashrc``. :func:`parse_xml` refuses any
document type declaration that declares entities or names an external DTD, and parses
with lxml set never to resolve entities, load a DTD, touch the network or lift its
size limits. :func:`check_member_names` refuses zip member paths that would escape the
folder they are read into. Each refusal is an :class:`~mpsp_qual.core.errors.ExchangeError`
whose message is one sentence naming the file.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import PurePosixPath

from lxml import etree

from mpsp_qual.core.errors import ExchangeError

__all__ = [
    "MAX_MEMBER_BYTES",
    "check_member_names",
    "clean_text",
    "local_name",
    "parse_xml",
    "read_member",
]

#: The largest zip member read into memory (the REFI-QDA limit for one internal file is 2 GiB;
#: a transcript is a few hundred kilobytes, so anything this big is refused as a zip bomb).
MAX_MEMBER_BYTES = 256 * 1024 * 1024

# "<!ENTITY" as it appears in UTF-8/ASCII and in UTF-16 (either byte order) documents.
_ENTITY_MARKS = tuple("<!ENTITY".encode(codec) for codec in ("ascii", "utf-16-le", "utf-16-be"))
# Characters XML 1.0 cannot carry at all (not even escaped).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _entities_refused(source: str) -> ExchangeError:
    return ExchangeError(
        f"{source} declares XML entities (a document type declaration with <!ENTITY>), "
        "which are refused because they can read local files or expand without limit; "
        "export the file again from its tool without a DOCTYPE."
    )


def parse_xml(data: bytes, *, source: str) -> etree._Element:
    """Parse untrusted XML bytes into an element tree, refusing anything unsafe.

    Args:
        data: The document's bytes (any encoding its XML declaration names).
        source: How messages name the file, e.g. ``"study.qdpx:project.qde"``.

    Returns:
        The root element.

    Raises:
        ExchangeError: the document declares entities or an external DTD, or is not
            well-formed XML.
    """
    if any(mark in data for mark in _ENTITY_MARKS):
        raise _entities_refused(source)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        if "entity" in str(exc).lower():
            raise _entities_refused(source) from None
        line = f" at line {exc.lineno}" if exc.lineno else ""
        raise ExchangeError(
            f"{source} is not well-formed XML{line} ({exc.msg}); "
            "export it again from the tool that made it."
        ) from None
    except ValueError as exc:  # e.g. a str with an encoding declaration, or empty input
        raise ExchangeError(f"{source} cannot be read as XML ({exc}).") from None
    docinfo = root.getroottree().docinfo
    dtd = docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise _entities_refused(source)
    if docinfo.system_url or docinfo.public_id:
        raise ExchangeError(
            f"{source} refers to an external DTD ({docinfo.system_url or docinfo.public_id}), "
            "which is refused because it could fetch files or URLs; "
            "export the file again from its tool without a DOCTYPE."
        )
    return root


def local_name(element: etree._Element) -> str:
    """An element's tag without its namespace (``"Code"`` for ``{urn:...}Code``)."""
    return etree.QName(element).localname


def clean_text(value: str) -> str:
    """Text with the characters XML 1.0 cannot hold removed (lxml refuses them)."""
    return _NOT_XML.sub("", value)


def _escapes(name: str) -> bool:
    if not name or "\x00" in name:
        return True
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or re.match(r"^[A-Za-z]:", normalised):
        return True
    return ".." in PurePosixPath(normalised).parts


def check_member_names(archive: zipfile.ZipFile, *, source: str) -> None:
    """Refuse an archive any of whose member paths would escape the folder it unpacks into.

    Raises:
        ExchangeError: a member path is absolute, has a drive letter, or climbs out
            with ``..``.
    """
    for info in archive.infolist():
        if _escapes(info.filename):
            raise ExchangeError(
                f"{source} holds a member named {info.filename!r}, whose path escapes the "
                "folder it would be unpacked into; the file is refused as unsafe."
            )


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, source: str) -> bytes:
    """The bytes of one member, refusing members that inflate past :data:`MAX_MEMBER_BYTES`.

    Raises:
        ExchangeError: the member is too large or the zip is damaged.
    """
    where = f"{source}:{info.filename}"
    if info.file_size > MAX_MEMBER_BYTES:
        raise ExchangeError(
            f"{where} unpacks to {info.file_size} bytes, more than the "
            f"{MAX_MEMBER_BYTES // (1024 * 1024)} MiB allowed for one file; it is refused."
        )
    try:
        with archive.open(info) as handle:
            # The size in the header can lie; never read past the limit.
            data = handle.read(MAX_MEMBER_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as exc:
        raise ExchangeError(f"{where} cannot be unpacked ({exc}).") from None
    if len(data) > MAX_MEMBER_BYTES:
        raise ExchangeError(
            f"{where} unpacks to more than {MAX_MEMBER_BYTES // (1024 * 1024)} MiB; it is refused."
        )
    return data
