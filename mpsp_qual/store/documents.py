"""Documents, their turns and segments: what an import writes and every listing reads.

The stored text of a document is what every character offset points into. Segments
carry their lemmas and token offsets, so auto-coding never runs spaCy again.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from mpsp_qual.core.columns import DOCUMENT_COLUMNS, SEGMENT_COLUMNS, TURN_COLUMNS
from mpsp_qual.core.errors import ProjectError
from mpsp_qual.core.text import count_words

if TYPE_CHECKING:
    from mpsp_qual.store.db import Store


class Documents:
    """The documents, turns and segments tables."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def _conn(self):
        return self._store.conn

    def frame(self) -> pd.DataFrame:
        """One row per document: columns :data:`~mpsp_qual.core.columns.DOCUMENT_COLUMNS`."""
        rows = self._conn.execute(
            """SELECT d.name AS document, d.format,
                      (SELECT COUNT(*) FROM turns t WHERE t.document_id = d.id) AS turns,
                      (SELECT COUNT(*) FROM segments s WHERE s.document_id = d.id) AS segments,
                      d.text AS text, d.sha256, d.imported_at
               FROM documents d ORDER BY d.name"""
        ).fetchall()
        data = [
            {
                **{k: r[k] for k in ("document", "format", "turns", "segments")},
                "words": count_words(r["text"]),
                "sha256": r["sha256"],
                "imported_at": r["imported_at"],
            }
            for r in rows
        ]
        return pd.DataFrame(data, columns=DOCUMENT_COLUMNS)

    def names(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT name FROM documents ORDER BY name")]

    def text(self, name: str) -> str:
        """The plain text of one document (what offsets point into).

        Raises:
            ProjectError: no such document.
        """
        row = self._conn.execute("SELECT text FROM documents WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise ProjectError(
                f"no document {name!r} in the project; {{hint}} lists them.", hint="documents"
            )
        return row[0]

    def texts(self) -> dict[str, str]:
        """Every document's stored text by name."""
        return {r[0]: r[1] for r in self._conn.execute("SELECT name, text FROM documents")}

    def digests(self) -> dict[str, tuple[str, str]]:
        """``{name: (sha256, unit)}`` of every imported document."""
        return {
            r["name"]: (r["sha256"], r["unit"])
            for r in self._conn.execute("SELECT name, sha256, unit FROM documents")
        }

    def rows(self) -> list[Any]:
        """Every document row (id, name, path, format, sha256, text, metadata, unit, ...)."""
        return self._conn.execute("SELECT * FROM documents ORDER BY name").fetchall()

    def turn_spans(self) -> list[Any]:
        """``(document name, speaker, start, end)`` of every turn, in document order."""
        return self._conn.execute(
            "SELECT d.name, t.speaker, t.start, t.end FROM turns t "
            "JOIN documents d ON d.id = t.document_id ORDER BY d.name, t.start"
        ).fetchall()

    def segment_span(self, segment_id: str) -> Any:
        """``document, participant_id, start, end`` of one segment, or None."""
        return self._conn.execute(
            "SELECT document, participant_id, start, end FROM segment_view WHERE segment_id = ?",
            (segment_id,),
        ).fetchone()

    def turn_segments(self, document: str, turn: int) -> list[Any]:
        """``segment_id, start, end`` of the segments of one turn, in order."""
        return self._conn.execute(
            "SELECT segment_id, start, end FROM segment_view WHERE document = ? AND turn = ? "
            "ORDER BY seq",
            (document, turn),
        ).fetchall()

    def segment_texts(self) -> dict[str, str]:
        """Every segment's text by id."""
        return {
            r["segment_id"]: r["text"]
            for r in self._conn.execute("SELECT segment_id, text FROM segment_view")
        }

    def segment_ids_where(self, *, interviewer: bool = False, withdrawn: bool = False) -> set[str]:
        """Segments of no participant (the interviewer), and with ``withdrawn`` of withdrawn
        participants too."""
        sql = "SELECT segment_id FROM segment_view WHERE participant_id IS NULL"
        if withdrawn:
            sql += " OR withdrawn = 1"
        return {r[0] for r in self._conn.execute(sql)}

    def units(self) -> list[str]:
        """The segmentation units in use (``turn``, ``sentence``)."""
        return sorted({r[0] for r in self._conn.execute("SELECT DISTINCT unit FROM documents")})

    def speaker_turns(self) -> list[Any]:
        """Every turn with its speaker's participant id: ``document, turn, speaker, start,
        start_time, text, participant_id``, in document order."""
        return self._conn.execute(
            """SELECT d.name AS document, t.idx AS turn, t.speaker, t.start, t.start_time,
                      t.text, p.participant_id
               FROM turns t JOIN documents d ON d.id = t.document_id
               LEFT JOIN participants p ON p.transcript_key = mpsp_fold(d.name)
                 AND p.speaker_key = mpsp_fold(t.speaker)
               ORDER BY d.name, t.idx"""
        ).fetchall()

    def codable_segments(self) -> list[Any]:
        """Participant segments (not withdrawn) with their stored lemmas and offsets:
        ``segment_id, document, participant_id, start, text, lemmas, offsets``."""
        return self._conn.execute(
            """SELECT v.segment_id, v.document, v.participant_id, v.start, v.text,
                      s.lemmas, s.offsets
               FROM segment_view v JOIN segments s ON s.id = v.segment_id
               WHERE v.participant_id IS NOT NULL AND v.withdrawn = 0
               ORDER BY v.document, v.turn, v.seq"""
        ).fetchall()

    def has_participant_segments(self) -> bool:
        """Whether any segment is a participant's (withdrawn participants' included)."""
        row = self._conn.execute(
            "SELECT 1 FROM segment_view WHERE participant_id IS NOT NULL LIMIT 1"
        ).fetchone()
        return row is not None

    def replaced_segment(self, segment_id: str) -> bool:
        """Whether ``segment_id`` is gone because its text changed (a newer ``id~N`` exists)."""
        prefix = segment_id.split("~")[0] + "~"
        found = self._conn.execute(
            "SELECT 1 FROM segments WHERE substr(id, 1, ?) = ? AND id != ? LIMIT 1",
            (len(prefix), prefix, segment_id),
        ).fetchone()
        return found is not None

    def segment_texts_of(self, name: str) -> dict[str, str]:
        """Segment id -> text of one document's segments."""
        return dict(
            self._conn.execute(
                "SELECT s.id, s.text FROM segments s JOIN documents d ON d.id = s.document_id "
                "WHERE d.name = ?",
                (name,),
            ).fetchall()
        )

    def delete(self, name: str) -> None:
        self._conn.execute("DELETE FROM documents WHERE name = ?", (name,))

    def write(
        self,
        document,
        path,
        digest: str,
        segments,
        unit: str,
        imported_at: str,
        *,
        defer_text: bool = False,
    ) -> int:
        """Insert a document with its turns and segments; returns its id.

        With ``defer_text`` the document's text goes into a temporary table a megabyte
        at a time, as UTF-8 bytes, and :meth:`settle_texts` must be called in the same
        transaction, once the caller has let go of the document, to move it into place.
        SQLite copies a bound string twice over while inserting it, which for a 200 MB
        transcript would come on top of the document the caller still holds; settled
        later, the copies are made when nothing else is held.
        """
        conn = self._conn
        deferred = defer_text and hasattr(conn, "blobopen")  # Connection.blobopen: 3.11+
        cur = conn.execute(
            "INSERT INTO documents (name, path, format, sha256, text, metadata, unit, imported_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                document.name,
                str(path),
                document.format,
                digest,
                "" if deferred else document.text,
                json.dumps(dict(document.metadata), ensure_ascii=False),
                unit,
                imported_at,
            ),
        )
        doc_id = cur.lastrowid
        if deferred:
            # A zeroblob in a record's last column is never materialised: the bytes are
            # then written into the file's pages in place.
            conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS pending_text "
                "(document_id INTEGER PRIMARY KEY, bytes BLOB NOT NULL)"
            )
            conn.execute(
                "INSERT INTO temp.pending_text (document_id, bytes) VALUES (?, zeroblob(?))",
                (doc_id, _utf8_length(document.text)),
            )
            with conn.blobopen("pending_text", "bytes", doc_id, name="temp") as blob:
                for piece in _utf8_pieces(document.text):
                    blob.write(piece)
        conn.executemany(
            "INSERT INTO turns (document_id, idx, speaker, start, end, start_time, text) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (doc_id, t.index, t.speaker, t.start, t.end, t.start_time, t.text)
                for t in document.turns
            ),
        )

        def rows():
            for segment, tokens in segments:
                lemmas, offsets = tokens.encode()
                # "name#turn.seq", and "~generation" once its text changed on a re-import.
                seq = int(segment.segment_id.rsplit(".", 1)[1].split("~")[0])
                yield (
                    segment.segment_id,
                    doc_id,
                    segment.turn,
                    seq,
                    segment.speaker,
                    segment.start,
                    segment.end,
                    segment.text,
                    lemmas,
                    offsets,
                )

        # ``segments`` may be a generator: the rows stream into the file.
        conn.executemany(
            "INSERT INTO segments (id, document_id, turn_idx, seq, speaker, start, end, text, "
            "lemmas, offsets) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )
        return doc_id

    def settle_texts(self) -> None:
        """Move the texts :meth:`write` set aside (``defer_text``) into their documents."""
        conn = self._conn
        if not conn.execute(
            "SELECT 1 FROM sqlite_temp_master WHERE type = 'table' AND name = 'pending_text'"
        ).fetchone():
            return
        conn.execute(
            "UPDATE documents SET text = (SELECT CAST(p.bytes AS TEXT) FROM temp.pending_text p "
            "WHERE p.document_id = documents.id) "
            "WHERE id IN (SELECT document_id FROM temp.pending_text)"
        )
        conn.execute("DROP TABLE temp.pending_text")

    def turns_frame(
        self, *, document: str | None = None, include_withdrawn: bool = True
    ) -> pd.DataFrame:
        """Every turn, the interviewer's included: columns :data:`TURN_COLUMNS`."""
        sql = """SELECT d.name AS document, t.idx AS turn, t.speaker, p.participant_id,
                        t.start_time, t.start, t.end, t.text
                 FROM turns t JOIN documents d ON d.id = t.document_id
                 LEFT JOIN participants p ON p.transcript_key = mpsp_fold(d.name)
                 AND p.speaker_key = mpsp_fold(t.speaker)"""
        params: tuple = ()
        clauses = [] if include_withdrawn else ["COALESCE(p.withdrawn, 0) = 0"]
        if document:
            clauses.append("d.name = ?")
            params = (document,)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY d.name, t.idx"
        return pd.read_sql_query(sql, self._conn, params=params).reindex(columns=TURN_COLUMNS)

    def segments_frame(
        self,
        *,
        participants_only: bool = False,
        include_withdrawn: bool = True,
        document: str | None = None,
    ) -> pd.DataFrame:
        """Every segment: columns :data:`SEGMENT_COLUMNS`."""
        clauses, params = [], []
        if participants_only:
            clauses.append("participant_id IS NOT NULL")
        if not include_withdrawn:
            clauses.append("withdrawn = 0")
        if document:
            clauses.append("document = ?")
            params.append(document)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"SELECT * FROM segment_view {where} ORDER BY document, turn, seq"
        return pd.read_sql_query(sql, self._conn, params=params).reindex(columns=SEGMENT_COLUMNS)

    def participant_segment_count(self) -> int:
        """How many segments participants (not withdrawn) speak."""
        return self._conn.execute(
            "SELECT COUNT(*) FROM segment_view WHERE participant_id IS NOT NULL AND withdrawn = 0"
        ).fetchone()[0]


_PIECE = 1 << 20


def _utf8_pieces(text: str):
    """``text`` encoded as UTF-8, a megabyte of characters at a time."""
    for at in range(0, len(text), _PIECE):
        yield text[at : at + _PIECE].encode("utf-8")


def _utf8_length(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(len(piece) for piece in _utf8_pieces(text))
