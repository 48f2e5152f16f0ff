"""Memos written in the workspace on a turn, a document or a code (one per coder).

``target`` is ``document#turn`` for a turn, the document name, or the code id. Memos on
a coding live on the coding (``coding_spans.memo``); segment memos from coding sheets
stay in ``memos``. Functions take the :class:`~mpsp_qual.store.db.Store` first.
"""

from __future__ import annotations

import sqlite3

from mpsp_qual.store.db import Store, now


def get(store: Store, kind: str, target: str) -> list[sqlite3.Row]:
    """Every coder's memo on one thing, by coder."""
    return store.execute(
        "SELECT coder, memo, updated_at FROM notes WHERE kind = ? AND target = ? ORDER BY coder",
        (kind, target),
    ).fetchall()


def one(store: Store, kind: str, target: str, coder: str) -> str | None:
    """One coder's memo on one thing, or None."""
    row = store.execute(
        "SELECT memo FROM notes WHERE kind = ? AND target = ? AND coder = ?",
        (kind, target, coder),
    ).fetchone()
    return row[0] if row else None


def put(store: Store, kind: str, target: str, coder: str, memo: str) -> None:
    """Write (or, with an empty memo, delete) one coder's memo on one thing."""
    if not memo.strip():
        store.execute(
            "DELETE FROM notes WHERE kind = ? AND target = ? AND coder = ?", (kind, target, coder)
        )
        return
    store.execute(
        "INSERT INTO notes (kind, target, coder, memo, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(kind, target, coder) DO UPDATE SET memo = excluded.memo, "
        "updated_at = excluded.updated_at",
        (kind, target, coder, memo, now()),
    )


def of_kind(store: Store, kind: str) -> list[sqlite3.Row]:
    """Every memo of one kind: target, coder, memo."""
    return store.execute(
        "SELECT target, coder, memo FROM notes WHERE kind = ? ORDER BY target, coder", (kind,)
    ).fetchall()
