"""Speaker labels as stored: which labels each document's turns carry, and relabelling.

The register is matched to these labels in Python (``inputs.register.match_speaker``:
NFC, full case folding, ``(she/her)``-style brackets, ``Surname, First``), never with
SQLite's ``NOCASE``, which folds ASCII only; a label that matches is rewritten in the
register's spelling, so that every join on the speaker afterwards is exact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mpsp_qual.store.db import Store


def document_speakers(store: Store) -> dict[str, tuple[int, set[str]]]:
    """Every document by name: its id and the distinct speaker labels of its turns."""
    out: dict[str, tuple[int, set[str]]] = {}
    for doc_id, name, speaker in store.conn.execute(
        "SELECT DISTINCT d.id, d.name, t.speaker FROM documents d "
        "JOIN turns t ON t.document_id = d.id"
    ):
        out.setdefault(name, (doc_id, set()))[1].add(speaker)
    return out


def relabel(store: Store, document_id: int, old: str, new: str) -> None:
    """Write speaker ``old`` of one document as ``new`` in its turns and segments."""
    for table in ("turns", "segments"):
        store.conn.execute(
            f"UPDATE {table} SET speaker = ? WHERE document_id = ? AND speaker = ?",
            (new, document_id, old),
        )
