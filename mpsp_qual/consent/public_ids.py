"""Quote ids for files that leave the team: they point at a quote without naming anyone.

A quote's own id (:func:`mpsp_qual.consent.quotes.quote_id`) starts with its segment id,
and so with the transcript's file name, which often names an organisation or a person
(``int02_cresswold_care.docx#13.0:120-260``). A file sent to a participant or put in a
report carries instead ``Q-<document key>-<turn>.<part>-<start>-<end>``: the first ten hex
digits of a SHA-256 of the transcript's name, which names nothing, then where in it the
quote lies. :func:`resolve_quote_id` reads either form back, so that a returned approval
workbook is matched to its quotes (and the source hash written beside each quote then
tells whether the transcript changed since).
"""

from __future__ import annotations

import hashlib
import re

from mpsp_qual.consent.quotes import parse_quote_id

__all__ = ["public_quote_id", "public_quote_ids", "resolve_quote_id"]

_PUBLIC = re.compile(r"^Q-(?P<doc>[0-9a-f]{10})-(?P<part>\d+\.\d+)-(?P<start>\d+)-(?P<end>\d+)$")
_DIGITS = 10


def _fingerprints(project) -> dict[str, str]:
    names = project.documents()["document"]
    return {d: hashlib.sha256(f"mpsp-qual:{d}".encode()).hexdigest()[:_DIGITS] for d in names}


def public_quote_ids(project, quote_ids) -> dict[str, str]:
    """Each internal quote id's public id (ids that are not quote ids map to themselves)."""
    prints = _fingerprints(project)
    out = {}
    for qid in quote_ids:
        parsed = parse_quote_id(str(qid))
        document, _, part = parsed[0].rpartition("#") if parsed else ("", "", "")
        if parsed is None or document not in prints:
            out[qid] = qid
            continue
        out[qid] = f"Q-{prints[document]}-{part}-{parsed[1]}-{parsed[2]}"
    return out


def public_quote_id(project, quote_id: str) -> str:
    """The id of a quote to write in a file that leaves the team."""
    return public_quote_ids(project, [quote_id])[quote_id]


def resolve_quote_id(project, value: str) -> tuple[str, int, int] | None:
    """``(segment_id, start, end)`` from a public or an internal quote id, else None."""
    text = str(value).strip()
    m = _PUBLIC.match(text)
    if m is None:
        return parse_quote_id(text)
    for document, fingerprint in _fingerprints(project).items():
        if fingerprint == m["doc"]:
            return f"{document}#{m['part']}", int(m["start"]), int(m["end"])
    return None
