"""Stable GUIDs for what we export, and the GUIDs other tools gave what we imported.

REFI-QDA identifies every code, source, user, selection and coding by a GUID. Ours are
name-based (UUID version 5 in one fixed namespace), so exporting the same project twice
gives the same GUIDs and another tool recognises a re-exported code as the same code:
a code's GUID comes from the codebook name and the code id, a source's from the
document name and its SHA-256, a user's from the coder name. When a project or codebook
was imported from another tool, the GUIDs that tool used are kept in the project
(setting ``refi_guids``) and exported again unchanged, so work can go back and forth.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from importlib import metadata

__all__ = [
    "GUID_PATTERN",
    "NAMESPACE",
    "ORIGIN",
    "derive",
    "is_guid",
    "slug",
    "stored_guids",
    "store_guids",
    "unique",
]

#: The namespace of every GUID mpsp-qual derives (itself derived from a URL we own by name).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:mpsp-qual:refi-qda")

#: The schema's GUIDType: 8-4-4-4-12 hex digits, optionally in braces.
GUID_PATTERN = re.compile(
    r"(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"|(?:\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\})"
)

_SETTING = "refi_guids"


def _origin() -> str:
    try:
        return f"mpsp-qual {metadata.version('mpsp-qual')}"
    except metadata.PackageNotFoundError:
        return "mpsp-qual"


#: What exported files name as their ``origin``.
ORIGIN = _origin()


def derive(kind: str, *parts: str) -> str:
    """A stable GUID for one thing, e.g. ``derive("code", codebook_name, code_id)``.

    Example:
        >>> derive("user", "alice") == derive("user", "alice")
        True
    """
    # \x1f (unit separator) cannot occur in names, so ("a b", "c") and ("a", "b c") differ.
    return str(uuid.uuid5(NAMESPACE, "\x1f".join((kind, *parts))))


def is_guid(value: str | None) -> bool:
    """True if ``value`` matches the schema's GUID pattern."""
    return bool(value) and GUID_PATTERN.fullmatch(value.strip()) is not None


def normal(guid: str) -> str:
    """A GUID in one spelling (lower case, no braces) so that lookups match across tools."""
    return guid.strip().strip("{}").lower()


def slug(text: str, *, fallback: str = "code") -> str:
    """An id made from a name: lower-case ASCII letters, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or fallback


def unique(base: str, used: set[str], *, sep: str = "-") -> str:
    """``base``, or ``base-2``, ``base-3``... whichever is not in ``used`` yet (then adds it)."""
    candidate, number = base, 1
    while candidate in used:
        number += 1
        candidate = f"{base}{sep}{number}"
    used.add(candidate)
    return candidate


def stored_guids(project) -> dict[str, dict[str, str]]:
    """The GUIDs kept from imports: ``{"codes": {id: guid}, "sources": {...}, "users": {...}}``."""
    text = project.store.get_setting(_SETTING)
    data = json.loads(text) if text else {}
    return {kind: dict(data.get(kind, {})) for kind in ("codes", "sources", "users")}


def store_guids(project, kind: str, mapping: dict[str, str]) -> None:
    """Remember GUIDs another tool gave our codes, sources or users (merged into what is kept)."""
    data = stored_guids(project)
    data[kind].update(mapping)
    project.store.set_setting(_SETTING, json.dumps(data, ensure_ascii=False, sort_keys=True))
