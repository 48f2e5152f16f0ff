"""What a purge deletes and overwrites: the SQL of :mod:`mpsp_qual.consent.withdraw`.

The consent layer decides what is a participant's words; these methods find their
turns and segments, delete the rows, overwrite stored text and scrub the audit log.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mpsp_qual.store.db import Store


class Purge:
    """Deleting and overwriting one participant's words."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def _conn(self):
        return self._store.conn

    def purged_participant_ids(self) -> set[str]:
        """Every participant a purge has been recorded for in the audit log."""
        ids = set()
        for (detail,) in self._conn.execute(
            "SELECT detail FROM audit WHERE action = 'participant purge'"
        ):
            try:
                ids.add(json.loads(detail)["participant_id"])
            except (ValueError, KeyError, TypeError):
                continue
        return ids

    def secure_delete(self) -> None:
        """Deleted rows are overwritten with zeros rather than left on free pages."""
        self._conn.execute("PRAGMA secure_delete = ON")

    def turns_of(self, transcript: str, speaker: str) -> list[Any]:
        """The turns of ``speaker`` in ``transcript`` (names matched without case)."""
        return self._conn.execute(
            """SELECT t.document_id, d.name, d.path, t.idx, t.start, t.end, t.text
               FROM turns t JOIN documents d ON d.id = t.document_id
               WHERE d.name = ? COLLATE NOCASE AND t.speaker = ? COLLATE NOCASE
                     AND ? != '' AND ? != ''""",
            (transcript, speaker, transcript, speaker),
        ).fetchall()

    def segment_ids_of(self, participant_id: str) -> list[str]:
        return [
            r[0]
            for r in self._conn.execute(
                "SELECT segment_id FROM segment_view WHERE participant_id = ?", (participant_id,)
            )
        ]

    def count_on_segments(self, table: str, segment_ids: list[str]) -> int:
        """Rows of ``codings`` or ``memos`` on these segments."""
        if not segment_ids:
            return 0
        marks = ",".join("?" * len(segment_ids))
        return self._conn.execute(
            f"SELECT COUNT(*) FROM {table} WHERE segment_id IN ({marks})", segment_ids
        ).fetchone()[0]

    def delete_approvals(self, participant_id: str, segment_ids: list[str]) -> int:
        """Delete the participant's quote decisions (and any on their segments); how many."""
        marks = ",".join("?" * len(segment_ids))
        where = "participant_id = ?" + (f" OR segment_id IN ({marks})" if segment_ids else "")
        params = (participant_id, *segment_ids)
        n = self._conn.execute(
            f"SELECT COUNT(*) FROM quote_approvals WHERE {where}", params
        ).fetchone()[0]
        self._conn.execute(f"DELETE FROM quote_approvals WHERE {where}", params)
        return n

    def delete_segments(self, segment_ids: list[str]) -> None:
        """Delete segments with their codings, memos and coded marks."""
        if not segment_ids:
            return
        marks = ",".join("?" * len(segment_ids))
        for table in ("codings", "memos", "coded_segments"):
            self._conn.execute(f"DELETE FROM {table} WHERE segment_id IN ({marks})", segment_ids)
        self._conn.execute(f"DELETE FROM segments WHERE id IN ({marks})", segment_ids)

    def document_text(self, document_id: int) -> str:
        return self._conn.execute(
            "SELECT text FROM documents WHERE id = ?", (document_id,)
        ).fetchone()[0]

    def overwrite_document(self, document_id: int, text: str, turn_indexes: list[int]) -> None:
        """Store a document's blanked text and delete the blanked turns."""
        self._conn.execute("UPDATE documents SET text = ? WHERE id = ?", (text, document_id))
        # Workspace memos on those turns may quote them; coding spans and suggestions go
        # with the turns (ON DELETE CASCADE).
        self._conn.executemany(
            "DELETE FROM notes WHERE kind = 'turn' AND target = "
            "(SELECT name FROM documents WHERE id = ?) || '#' || ?",
            [(document_id, idx) for idx in turn_indexes],
        )
        self._conn.executemany(
            "DELETE FROM turns WHERE document_id = ? AND idx = ?",
            [(document_id, idx) for idx in turn_indexes],
        )

    def turn_texts(self) -> Iterator[str]:
        for (text,) in self._conn.execute("SELECT text FROM turns"):
            yield text

    def audit_entries(self) -> list[Any]:
        return self._conn.execute("SELECT id, detail FROM audit").fetchall()

    def rewrite_audit(self, entry_id: int, detail: Any) -> None:
        self._conn.execute(
            "UPDATE audit SET detail = ? WHERE id = ?",
            (json.dumps(detail, ensure_ascii=False), entry_id),
        )

    def text_columns(self) -> Iterator[tuple[str, str, Iterator[Any]]]:
        """``(table, column, values)`` of every text column of every table."""
        conn = self._conn
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            columns = [
                c["name"]
                for c in conn.execute(f'PRAGMA table_info("{table}")')
                if (c["type"] or "").upper() in ("TEXT", "")
            ]
            for column in columns:
                values = (v for (v,) in conn.execute(f'SELECT "{column}" FROM "{table}"'))
                yield table, column, values
