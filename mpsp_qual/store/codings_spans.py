"""Passage codings: the SQL over ``coding_spans`` (a code on a span of one turn).

A coding is a span of a document's stored text (start inclusive, end exclusive) inside
one turn, with its code, coder, origin (``segment``, ``selection``, ``suggestion``),
evidence and memo. The ``codings`` view gives the same codings at segment level by the
rule :mod:`mpsp_qual.coding.passages` states, so that every count reads them unchanged.
Functions take the :class:`~mpsp_qual.store.db.Store` first and return plain rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

from mpsp_qual.store.db import Store, now

#: The columns of :func:`spans`, in order.
SPAN_COLUMNS = [
    "id",
    "segment_id",
    "document",
    "turn",
    "speaker",
    "participant_id",
    "withdrawn",
    "start",
    "end",
    "code",
    "coder",
    "origin",
    "evidence",
    "memo",
    "created_at",
]

_SPANS = """
    SELECT c.id, (SELECT s.id FROM segments s
                  WHERE s.document_id = c.document_id AND s.turn_idx = c.turn_idx
                    AND s.start <= c.start AND c.start < s.end
                  ORDER BY s.start LIMIT 1) AS segment_id,
           d.name AS document, c.turn_idx AS turn, t.speaker, p.participant_id,
           COALESCE(p.withdrawn, 0) AS withdrawn, c.start, c.end, c.code, c.coder, c.origin,
           c.evidence, c.memo, c.created_at
    FROM coding_spans c
    JOIN documents d ON d.id = c.document_id
    JOIN turns t ON t.document_id = c.document_id AND t.idx = c.turn_idx
    LEFT JOIN participants p
        ON p.transcript = d.name COLLATE NOCASE AND p.speaker = t.speaker COLLATE NOCASE
    JOIN codes k ON k.id = c.code
"""


def spans(
    store: Store,
    *,
    document: str | None = None,
    coder: str | None = None,
    code: str | None = None,
    coders: Iterable[str] | None = None,
    include_withdrawn: bool = False,
) -> list[sqlite3.Row]:
    """Codings as spans (columns :data:`SPAN_COLUMNS`), in text order.

    ``segment_id`` is the segment holding the span's start. ``coders`` keeps only
    those coders' codings (blind mode asks for one).
    """
    clauses, params = [], []
    if document is not None:
        clauses.append("d.name = ?")
        params.append(document)
    if coder is not None:
        clauses.append("c.coder = ?")
        params.append(coder)
    if code is not None:
        clauses.append("c.code = ?")
        params.append(code)
    if coders is not None:
        names = list(coders)
        clauses.append(f"c.coder IN ({','.join('?' * len(names))})")
        params.extend(names)
    if not include_withdrawn:
        clauses.append("COALESCE(p.withdrawn, 0) = 0")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return store.execute(
        f"{_SPANS} {where} ORDER BY d.name, c.start, c.end, k.position, c.coder", params
    ).fetchall()


def get(store: Store, coding_id: int) -> sqlite3.Row | None:
    """One coding span by id, or None."""
    return store.execute(f"{_SPANS} WHERE c.id = ?", (coding_id,)).fetchone()


def add(
    store: Store,
    *,
    document_id: int,
    turn: int,
    start: int,
    end: int,
    code: str,
    coder: str,
    origin: str,
    evidence: str | None = None,
    memo: str = "",
) -> tuple[int, bool]:
    """Insert a coding span; returns (its id, whether it is new)."""
    cursor = store.execute(
        "INSERT OR IGNORE INTO coding_spans (document_id, turn_idx, start, end, code, coder, "
        "evidence, origin, memo, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (document_id, turn, start, end, code, coder, evidence, origin, memo, now()),
    )
    if cursor.rowcount:
        return int(cursor.lastrowid), True
    row = store.execute(
        "SELECT id FROM coding_spans WHERE document_id = ? AND start = ? AND end = ? "
        "AND code = ? AND coder = ?",
        (document_id, start, end, code, coder),
    ).fetchone()
    return int(row[0]), False


def delete(store: Store, coding_id: int) -> bool:
    """Delete one coding span; False if it was not there."""
    return bool(store.execute("DELETE FROM coding_spans WHERE id = ?", (coding_id,)).rowcount)


def delete_of(
    store: Store, *, document_id: int, start: int, end: int, code: str, coder: str
) -> int:
    """Delete the coding span of this coder and code at exactly this span."""
    return store.execute(
        "DELETE FROM coding_spans WHERE document_id = ? AND start = ? AND end = ? "
        "AND code = ? AND coder = ?",
        (document_id, start, end, code, coder),
    ).rowcount


def set_memo(store: Store, coding_id: int, memo: str) -> bool:
    """Set a coding's memo; False if the coding is gone."""
    return bool(
        store.execute("UPDATE coding_spans SET memo = ? WHERE id = ?", (memo, coding_id)).rowcount
    )


def mark_coded(store: Store, segment_ids: Iterable[str], coder: str) -> None:
    """Record that ``coder`` has coded these segments (for coverage and agreement)."""
    store.executemany(
        "INSERT OR IGNORE INTO coded_segments (segment_id, coder) VALUES (?, ?)",
        [(sid, coder) for sid in segment_ids],
    )


def document(store: Store, name: str) -> sqlite3.Row | None:
    """A document's id, name, text and unit, or None."""
    return store.execute(
        "SELECT id, name, text, unit, sha256 FROM documents WHERE name = ?", (name,)
    ).fetchone()


def turns(store: Store, document_id: int) -> list[sqlite3.Row]:
    """A document's turns with their speaker's participant and whether they withdrew."""
    return store.execute(
        """SELECT t.idx AS turn, t.speaker, t.start, t.end, t.start_time, t.text,
                  p.participant_id, COALESCE(p.withdrawn, 0) AS withdrawn,
                  COALESCE(p.consent_quotes, 0) AS consent_quotes
           FROM turns t JOIN documents d ON d.id = t.document_id
           LEFT JOIN participants p ON p.transcript = d.name COLLATE NOCASE
                                    AND p.speaker = t.speaker COLLATE NOCASE
           WHERE t.document_id = ? ORDER BY t.idx""",
        (document_id,),
    ).fetchall()


def exact_segment_codings(store: Store) -> list[sqlite3.Row]:
    """Codings whose span is their segment's: (segment_id, code, coder), not withdrawn."""
    return store.execute(
        """SELECT v.segment_id, c.code, c.coder FROM coding_spans c
           JOIN segments s ON s.document_id = c.document_id AND s.turn_idx = c.turn_idx
                          AND s.start = c.start AND s.end = c.end
           JOIN segment_view v ON v.segment_id = s.id
           JOIN codes k ON k.id = c.code
           WHERE v.withdrawn = 0
           ORDER BY v.document, v.turn, v.seq, k.position, c.coder"""
    ).fetchall()


def passage_codings(store: Store, *, coder: str | None = None) -> list[sqlite3.Row]:
    """Codings whose span is no segment's (passages), columns :data:`SPAN_COLUMNS`."""
    exact = {
        r[0]
        for r in store.execute(
            "SELECT c.id FROM coding_spans c JOIN segments s "
            "ON s.document_id = c.document_id AND s.turn_idx = c.turn_idx "
            "AND s.start = c.start AND s.end = c.end"
        )
    }
    return [r for r in spans(store, coder=coder) if r["id"] not in exact]


def passages_by_segment(
    store: Store, *, coder: str, codes: Iterable[str]
) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """For each (segment, code) this coder coded only by passages, the passages it holds.

    A segment a passage only runs into (it starts in an earlier one) maps to an empty
    list; a (segment, code) that also has a coding of the whole segment is left out.
    """
    wanted = set(codes)
    out: dict[tuple[str, str], list[tuple[int, int]]] = {}
    whole: set[tuple[str, str]] = set()
    rows = store.execute(
        """SELECT s.id, c.code, c.start, c.end, s.start AS s_start, s.end AS s_end
           FROM coding_spans c
           JOIN segments s ON s.document_id = c.document_id AND s.turn_idx = c.turn_idx
                          AND s.start < c.end AND c.start < s.end
           WHERE c.coder = ?""",
        (coder,),
    ).fetchall()
    exact_spans = {
        (r[0], r[1], r[2])
        for r in store.execute(
            "SELECT c.id, c.start, c.end FROM coding_spans c JOIN segments s "
            "ON s.document_id = c.document_id AND s.turn_idx = c.turn_idx "
            "AND s.start = c.start AND s.end = c.end WHERE c.coder = ?",
            (coder,),
        )
    }
    exact_keys = {(start, end) for _, start, end in exact_spans}
    for sid, code, start, end, s_start, s_end in rows:
        if code not in wanted:
            continue
        if (start, end) == (s_start, s_end):
            whole.add((sid, code))
            continue
        if (start, end) in exact_keys:
            continue  # another segment's coding; it applies there only
        held = out.setdefault((sid, code), [])
        if s_start <= start < s_end:
            held.append((start, end))
    return {key: sorted(value) for key, value in out.items() if key not in whole}


def counts_by_code(store: Store, *, coders: Iterable[str]) -> dict[str, int]:
    """How many coding spans each code has of these coders, withdrawn participants' left out."""
    names = list(coders)
    if not names:
        return {}
    return {
        r[0]: r[1]
        for r in store.execute(
            f"""SELECT c.code, COUNT(*) FROM coding_spans c
                JOIN documents d ON d.id = c.document_id
                JOIN turns t ON t.document_id = c.document_id AND t.idx = c.turn_idx
                LEFT JOIN participants p ON p.transcript = d.name COLLATE NOCASE
                                         AND p.speaker = t.speaker COLLATE NOCASE
                WHERE c.coder IN ({",".join("?" * len(names))}) AND COALESCE(p.withdrawn, 0) = 0
                GROUP BY c.code""",
            names,
        )
    }


def searchable_segments(store: Store) -> Iterator[sqlite3.Row]:
    """Participant segments (withdrawn left out) with their lemmas and token offsets."""
    yield from store.execute(
        """SELECT s.id, v.document, v.speaker, s.start, s.end, s.text, s.lemmas, s.offsets
           FROM segments s JOIN segment_view v ON v.segment_id = s.id
           WHERE v.participant_id IS NOT NULL AND v.withdrawn = 0
           ORDER BY v.document, s.start"""
    )


def turn_segments(store: Store, document_id: int) -> dict[int, list[str]]:
    """The segment ids of each turn of a document."""
    out: dict[int, list[str]] = {}
    for sid, turn in store.execute(
        "SELECT id, turn_idx FROM segments WHERE document_id = ? ORDER BY turn_idx, seq",
        (document_id,),
    ):
        out.setdefault(turn, []).append(sid)
    return out


def coded_by(store: Store, coder: str, segment_ids: Iterable[str]) -> set[str]:
    """Which of these segments ``coder`` has marked done."""
    wanted = set(segment_ids)
    return {
        r[0]
        for r in store.execute("SELECT segment_id FROM coded_segments WHERE coder = ?", (coder,))
        if r[0] in wanted
    }


def unmark_coded(store: Store, segment_ids: Iterable[str], coder: str) -> None:
    """Undo :func:`mark_coded`."""
    store.executemany(
        "DELETE FROM coded_segments WHERE segment_id = ? AND coder = ?",
        [(sid, coder) for sid in segment_ids],
    )


def coders(store: Store) -> list[str]:
    """Every coder with a coding span or a segment marked done."""
    return sorted(
        r[0]
        for r in store.execute(
            "SELECT DISTINCT coder FROM coding_spans UNION SELECT DISTINCT coder FROM coded_segments"
        )
    )
