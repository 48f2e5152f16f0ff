"""Validation against the REFI-QDA schemas shipped with the package.

``Codebook.xsd`` (namespace ``urn:QDA-XML:codebook:1.0``) and ``Project.xsd``
(``urn:QDA-XML:project:1.0``) live in ``schemas/`` beside this module, with their MIT
notices. :func:`schema_errors` checks a document we wrote, or one from another tool,
and returns every violation as a line of text: an empty list means the file is valid.
"""

from __future__ import annotations

import functools
from importlib import resources

from lxml import etree

from mpsp_qual.formats.refi.safexml import parse_xml

__all__ = ["CODEBOOK_NS", "PROJECT_NS", "schema_errors"]

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
_FILES = {CODEBOOK_NS: "Codebook.xsd", PROJECT_NS: "Project.xsd"}


@functools.lru_cache(maxsize=2)
def _schema(namespace: str) -> etree.XMLSchema:
    data = (resources.files(__package__) / "schemas" / _FILES[namespace]).read_bytes()
    return etree.XMLSchema(etree.fromstring(data))


def schema_errors(document: bytes | etree._Element, *, source: str = "<xml>") -> list[str]:
    """Every way a REFI-QDA codebook or project document breaks its schema.

    Args:
        document: The XML bytes or a parsed root element; its root namespace picks the
            schema (codebook or project).
        source: How messages name the document.

    Returns:
        One line per violation, ``"line N: message"``; empty when the document is valid.

    Raises:
        ExchangeError: the bytes are not safe, well-formed XML.
    """
    root = parse_xml(document, source=source) if isinstance(document, bytes) else document
    namespace = etree.QName(root).namespace
    if namespace not in _FILES:
        return [
            f"line {root.sourceline}: the root element is {root.tag}, not a REFI-QDA "
            f"CodeBook ({CODEBOOK_NS}) or Project ({PROJECT_NS})"
        ]
    schema = _schema(namespace)
    if schema.validate(root.getroottree()):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
