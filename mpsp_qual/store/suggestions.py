"""Suggestions: auto-coding's proposals as a state (pending, accepted, rejected).

Auto-coding writes one suggestion per (segment span, code) it matched, with its
evidence spans and a score; a coder accepts it (it becomes their coding, origin
``suggestion``), rejects it, or adjusts its span and accepts. A rejected suggestion is
kept with a hash of the text it was made on, and is not suggested again while that
text is unchanged. The SQL over the ``suggestions`` table; functions take the
:class:`~mpsp_qual.store.db.Store` first.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable

from mpsp_qual.store.db import Store, now

STATUSES = ("pending", "accepted", "rejected")

_ROWS = """
    SELECT g.id, g.document_id, d.name AS document, g.turn_idx AS turn, g.start, g.end,
           g.code, g.evidence, g.score, g.status, g.decided_by, g.decided_at, g.coding_id,
           g.text_sha, t.speaker, p.participant_id
    FROM suggestions g
    JOIN documents d ON d.id = g.document_id
    JOIN turns t ON t.document_id = g.document_id AND t.idx = g.turn_idx
    LEFT JOIN participants p
        ON p.transcript_key = mpsp_fold(d.name) AND p.speaker_key = mpsp_fold(t.speaker)
    JOIN codes k ON k.id = g.code
"""


def text_sha(text: str) -> str:
    """The hash a suggestion keeps of the text it was made on."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _segment_rows(store: Store) -> dict[str, sqlite3.Row]:
    return {
        r["id"]: r
        for r in store.execute("SELECT id, document_id, turn_idx, start, end, text FROM segments")
    }


def rejected(store: Store) -> set[tuple[str, str]]:
    """(segment id, code) of rejected suggestions whose text is unchanged."""
    out = set()
    rows = store.execute(
        """SELECT s.id, g.code, g.text_sha, s.text FROM suggestions g
           JOIN segments s ON s.document_id = g.document_id AND s.turn_idx = g.turn_idx
                          AND s.start = g.start AND s.end = g.end
           WHERE g.status = 'rejected'"""
    )
    for sid, code, sha, text in rows:
        if sha == text_sha(text):
            out.add((sid, code))
    return out


def sync(store: Store, items: Iterable[tuple[str, str, str, float]]) -> dict[str, int]:
    """Make the pending suggestions these (segment id, code, evidence JSON, score).

    A pending suggestion not in ``items`` is dropped; a decided one is kept; a rejected
    one on unchanged text is not made pending again. Returns counts ``added``,
    ``updated``, ``dropped``.
    """
    segments = _segment_rows(store)
    have = {
        (r["document_id"], r["start"], r["end"], r["code"]): r
        for r in store.execute(
            "SELECT id, document_id, start, end, code, status, text_sha, evidence, score "
            "FROM suggestions"
        )
    }
    seen = set()
    # Collected, then written with executemany: one statement per row was most of the sync.
    inserts: list[tuple] = []
    reopened: list[tuple] = []
    refreshed: list[tuple] = []
    stamp = now()
    for sid, code, evidence, score in items:
        seg = segments[sid]
        key = (seg["document_id"], seg["start"], seg["end"], code)
        seen.add(key)
        sha = text_sha(seg["text"])
        old = have.get(key)
        if old is None:
            inserts.append(
                (
                    seg["document_id"],
                    seg["turn_idx"],
                    seg["start"],
                    seg["end"],
                    code,
                    evidence,
                    score,
                    sha,
                    stamp,
                )
            )
        elif old["status"] == "rejected" and old["text_sha"] != sha:
            reopened.append((evidence, score, sha, old["id"]))
        elif old["status"] == "pending" and (old["evidence"], old["score"]) != (evidence, score):
            refreshed.append((evidence, score, sha, old["id"]))
    store.executemany(
        "INSERT INTO suggestions (document_id, turn_idx, start, end, code, evidence, "
        "score, text_sha, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
        inserts,
    )
    store.executemany(
        "UPDATE suggestions SET status = 'pending', evidence = ?, score = ?, text_sha = ?, "
        "decided_by = NULL, decided_at = NULL WHERE id = ?",
        reopened,
    )
    store.executemany(
        "UPDATE suggestions SET evidence = ?, score = ?, text_sha = ? WHERE id = ?",
        refreshed,
    )
    added, updated = len(inserts), len(reopened) + len(refreshed)
    stale = [r["id"] for key, r in have.items() if key not in seen and r["status"] == "pending"]
    store.executemany("DELETE FROM suggestions WHERE id = ?", [(i,) for i in stale])
    return {"added": added, "updated": updated, "dropped": len(stale)}


def get(store: Store, suggestion_id: int) -> sqlite3.Row | None:
    """One suggestion with its document, speaker and participant, or None."""
    return store.execute(f"{_ROWS} WHERE g.id = ?", (suggestion_id,)).fetchone()


def listing(
    store: Store,
    *,
    status: str | None = "pending",
    document: str | None = None,
    code: str | None = None,
    min_score: float | None = None,
) -> list[sqlite3.Row]:
    """Suggestions in review order (document, position, code), withdrawn left out."""
    clauses, params = ["COALESCE(p.withdrawn, 0) = 0"], []
    if status is not None:
        clauses.append("g.status = ?")
        params.append(status)
    if document is not None:
        clauses.append("d.name = ?")
        params.append(document)
    if code is not None:
        clauses.append("g.code = ?")
        params.append(code)
    if min_score is not None:
        clauses.append("g.score >= ?")
        params.append(min_score)
    return store.execute(
        f"{_ROWS} WHERE {' AND '.join(clauses)} ORDER BY g.document_id, g.start, g.code", params
    ).fetchall()


def neighbour(store: Store, after: int | None, *, backwards: bool = False) -> sqlite3.Row | None:
    """The pending suggestion after (or before) suggestion ``after`` in review order
    (document, position, code), withdrawn left out; walks the queue's index."""
    order = "DESC" if backwards else "ASC"
    where = "g.status = 'pending' AND COALESCE(p.withdrawn, 0) = 0"
    params: tuple = ()
    if after is not None:
        ref = store.execute(
            "SELECT document_id, start, code FROM suggestions WHERE id = ?", (after,)
        ).fetchone()
        if ref is not None:
            where += f" AND (g.document_id, g.start, g.code) {'<' if backwards else '>'} (?, ?, ?)"
            params = tuple(ref)
    return store.execute(
        f"""{_ROWS} WHERE {where}
            ORDER BY g.document_id {order}, g.start {order}, g.code {order} LIMIT 1""",
        params,
    ).fetchone()


def pending_total(store: Store) -> int:
    """How many suggestions are pending (withdrawn participants' included)."""
    return store.execute("SELECT COUNT(*) FROM suggestions WHERE status = 'pending'").fetchone()[0]


def decide(
    store: Store,
    suggestion_id: int,
    *,
    status: str,
    who: str | None,
    coding_id: int | None = None,
    expected: str = "pending",
) -> bool:
    """Set a suggestion's status if it is still ``expected``; False if someone else got there."""
    stamp = now() if who else None
    return bool(
        store.execute(
            "UPDATE suggestions SET status = ?, decided_by = ?, decided_at = ?, coding_id = ? "
            "WHERE id = ? AND status = ?",
            (status, who, stamp, coding_id, suggestion_id, expected),
        ).rowcount
    )


def pending_counts(store: Store) -> dict[str, int]:
    """Pending suggestions per document name, withdrawn left out."""
    return {
        r[0]: r[1]
        for r in store.execute(
            """SELECT d.name, COUNT(*) FROM suggestions g
               JOIN documents d ON d.id = g.document_id
               JOIN turns t ON t.document_id = g.document_id AND t.idx = g.turn_idx
               LEFT JOIN participants p ON p.transcript_key = mpsp_fold(d.name)
                                        AND p.speaker_key = mpsp_fold(t.speaker)
               WHERE g.status = 'pending' AND COALESCE(p.withdrawn, 0) = 0
               GROUP BY d.name"""
        )
    }


def of_coding(store: Store, coding_ids: Iterable[int]) -> dict[int, sqlite3.Row]:
    """The accepted suggestion behind each of these codings (for origin and evidence)."""
    ids = list(coding_ids)
    if not ids:
        return {}
    out = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for r in store.execute(
            f"SELECT coding_id, id, evidence, score FROM suggestions "
            f"WHERE coding_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            out[r[0]] = r
    return out
