"""The SQLite project file: schema, migrations and transactions.

One file, ``project.sqlite``, in the project directory. The schema version is kept
in ``PRAGMA user_version`` and raised by named migrations, applied in order when a
project is opened; foreign keys are on and the journal is in WAL mode. Every
command runs in one transaction (:meth:`Store.transaction`), so that a command
that fails leaves the file exactly as it was.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mpsp_qual.core.errors import ProjectError
from mpsp_qual.store.approvals import Approvals
from mpsp_qual.store.codings import Codings
from mpsp_qual.store.documents import Documents
from mpsp_qual.store.participants import Participants
from mpsp_qual.store.purge import Purge

PROJECT_FILE = "project.sqlite"

#: (name, SQL) in order; a project at user_version N has applied the first N.
MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            path TEXT NOT NULL,
            format TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            text TEXT NOT NULL,
            metadata TEXT NOT NULL DEFAULT '{}',
            unit TEXT NOT NULL DEFAULT 'turn',
            imported_at TEXT NOT NULL
        );
        CREATE TABLE turns (
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            speaker TEXT NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            start_time TEXT,
            text TEXT NOT NULL,
            PRIMARY KEY (document_id, idx)
        );
        CREATE TABLE segments (
            id TEXT PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            turn_idx INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            speaker TEXT NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            text TEXT NOT NULL,
            lemmas TEXT NOT NULL,
            offsets BLOB NOT NULL
        );
        CREATE INDEX segments_document ON segments(document_id, turn_idx, seq);
        CREATE TABLE participants (
            participant_id TEXT PRIMARY KEY,
            transcript TEXT NOT NULL DEFAULT '',
            speaker TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL DEFAULT '',
            organisation TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL DEFAULT '',
            consent_quotes INTEGER NOT NULL DEFAULT 0,
            consent_named INTEGER NOT NULL DEFAULT 0,
            attribution TEXT NOT NULL DEFAULT '',
            withdrawn INTEGER NOT NULL DEFAULT 0,
            attributes TEXT NOT NULL DEFAULT '{}',
            position INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX participants_speaker ON participants(transcript, speaker);
        CREATE TABLE codes (
            id TEXT PRIMARY KEY,
            parent TEXT REFERENCES codes(id) DEFERRABLE INITIALLY DEFERRED,
            name TEXT NOT NULL,
            position INTEGER NOT NULL
        );
        CREATE TABLE codings (
            segment_id TEXT NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            code TEXT NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
            coder TEXT NOT NULL,
            evidence TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (segment_id, code, coder)
        );
        CREATE INDEX codings_code ON codings(code, coder);
        CREATE TABLE memos (
            segment_id TEXT NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            coder TEXT NOT NULL,
            memo TEXT NOT NULL,
            PRIMARY KEY (segment_id, coder)
        );
        CREATE TABLE coded_segments (
            segment_id TEXT NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            coder TEXT NOT NULL,
            PRIMARY KEY (segment_id, coder)
        );
        CREATE VIEW segment_view AS
            SELECT s.id AS segment_id, d.name AS document, s.turn_idx AS turn, s.seq AS seq,
                   s.speaker AS speaker, p.participant_id AS participant_id,
                   t.start_time AS start_time, s.start AS start, s.end AS end, s.text AS text,
                   COALESCE(p.withdrawn, 0) AS withdrawn, s.document_id AS document_id
            FROM segments s
            JOIN documents d ON d.id = s.document_id
            JOIN turns t ON t.document_id = s.document_id AND t.idx = s.turn_idx
            LEFT JOIN participants p
                ON p.transcript = d.name COLLATE NOCASE AND p.speaker = s.speaker COLLATE NOCASE;
        CREATE TABLE quote_approvals (
            segment_id TEXT NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            participant_id TEXT NOT NULL REFERENCES participants(participant_id) ON DELETE CASCADE,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            quote TEXT NOT NULL,
            decision TEXT NOT NULL,
            edited_text TEXT,
            decided_at TEXT NOT NULL,
            PRIMARY KEY (segment_id, start, end)
        );
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            who TEXT NOT NULL,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}'
        );
        """,
    ),
    (
        # Codings become spans (a passage of one turn); every segment coding keeps its
        # segment's span. `codings` stays as a view at segment level, by the overlap rule
        # of mpsp_qual.coding.passages, so that every count reads it unchanged.
        "0002_coding_spans",
        """
        CREATE TABLE coding_spans (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL,
            turn_idx INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            code TEXT NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
            coder TEXT NOT NULL,
            evidence TEXT,
            origin TEXT NOT NULL DEFAULT 'segment',
            memo TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            CHECK (start < end),
            UNIQUE (document_id, start, end, code, coder),
            FOREIGN KEY (document_id, turn_idx) REFERENCES turns(document_id, idx) ON DELETE CASCADE
        );
        INSERT OR IGNORE INTO coding_spans
            (document_id, turn_idx, start, end, code, coder, evidence, origin, created_at)
            SELECT s.document_id, s.turn_idx, s.start, s.end, c.code, c.coder, c.evidence,
                   'segment', c.created_at
            FROM codings c JOIN segments s ON s.id = c.segment_id;
        DROP TABLE codings;
        CREATE INDEX coding_spans_turn ON coding_spans(document_id, turn_idx);
        CREATE INDEX coding_spans_coder ON coding_spans(coder, code);
        CREATE VIEW codings AS
            SELECT s.id AS segment_id, c.code AS code, c.coder AS coder,
                   MAX(c.evidence) AS evidence, MIN(c.created_at) AS created_at
            FROM coding_spans c
            JOIN segments s ON s.document_id = c.document_id AND s.turn_idx = c.turn_idx
                           AND s.start < c.end AND c.start < s.end
            WHERE (s.start = c.start AND s.end = c.end)
               OR NOT EXISTS (
                   SELECT 1 FROM segments x
                   WHERE x.document_id = c.document_id AND x.turn_idx = c.turn_idx
                     AND x.start = c.start AND x.end = c.end)
            GROUP BY s.id, c.code, c.coder;
        CREATE TRIGGER codings_insert INSTEAD OF INSERT ON codings BEGIN
            SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed')
                WHERE NOT EXISTS (SELECT 1 FROM segments WHERE id = NEW.segment_id);
            INSERT INTO coding_spans
                (document_id, turn_idx, start, end, code, coder, evidence, origin, created_at)
                SELECT document_id, turn_idx, start, end, NEW.code, NEW.coder, NEW.evidence,
                       'segment', NEW.created_at
                FROM segments WHERE id = NEW.segment_id;
        END;
        CREATE TRIGGER codings_delete INSTEAD OF DELETE ON codings BEGIN
            DELETE FROM coding_spans WHERE id IN (
                SELECT c.id FROM segments s
                JOIN coding_spans c ON c.document_id = s.document_id AND c.turn_idx = s.turn_idx
                                   AND c.start < s.end AND s.start < c.end
                WHERE s.id = OLD.segment_id AND c.code = OLD.code AND c.coder = OLD.coder
                  AND ((s.start = c.start AND s.end = c.end) OR NOT EXISTS (
                      SELECT 1 FROM segments x
                      WHERE x.document_id = c.document_id AND x.turn_idx = c.turn_idx
                        AND x.start = c.start AND x.end = c.end)));
        END;
        CREATE TABLE suggestions (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL,
            turn_idx INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            code TEXT NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
            evidence TEXT NOT NULL,
            score REAL NOT NULL,
            text_sha TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            decided_by TEXT,
            decided_at TEXT,
            coding_id INTEGER,
            created_at TEXT NOT NULL,
            UNIQUE (document_id, start, end, code),
            FOREIGN KEY (document_id, turn_idx) REFERENCES turns(document_id, idx) ON DELETE CASCADE
        );
        CREATE INDEX suggestions_queue ON suggestions(status, document_id, start, code);
        CREATE TABLE notes (
            kind TEXT NOT NULL,
            target TEXT NOT NULL,
            coder TEXT NOT NULL,
            memo TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (kind, target, coder)
        );
        """,
    ),
]


def _statements(sql: str) -> Iterator[str]:
    """The statements of a migration, a trigger's body (with its own ``;``) kept whole."""
    buffer = ""
    for piece in sql.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n;"):
                yield buffer
            buffer = ""


def now() -> str:
    """The current time in UTC, ISO 8601, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def current_user() -> str:
    """Who is running the command, for the audit log (``MPSP_QUAL_USER`` overrides)."""
    user = os.environ.get("MPSP_QUAL_USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def database_error_message(exc: BaseException) -> str | None:
    """One sentence for an error of the database driver, or None if ``exc`` is not one."""
    if not isinstance(exc, sqlite3.Error):
        return None
    if "locked" in str(exc) or "busy" in str(exc):
        return (
            "the project file is locked by another program (a notebook, a database browser, "
            "another command); close it and run the command again."
        )
    return f"the project file could not be used ({exc}); is it a project file?"


class Store:
    """A connection to one project file, with migrations applied."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise ProjectError(
                f"{self.path.parent} is not a project (no {PROJECT_FILE}); "
                "run {hint} there first, or pass -p PROJECT_DIR.",
                hint="init",
            )
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"{self.path} is not a readable project file ({exc}).") from None
        self._depth = 0
        self.migrate()
        self.documents = Documents(self)
        self.participants = Participants(self)
        self.codings = Codings(self)
        self.purge = Purge(self)
        self.approvals = Approvals(self)

    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> list[str]:
        """Apply the migrations this file has not had yet; returns their names."""
        applied = []
        version = self.version
        if version > len(MIGRATIONS):
            raise ProjectError(
                f"{self.path} was written by a newer version of this toolkit (schema {version}); upgrade it."
            )
        for number, (name, sql) in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                for statement in _statements(sql):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number}")
                self.conn.execute(
                    "INSERT INTO audit (at, who, action, detail) VALUES (?, ?, ?, ?)",
                    (now(), current_user(), "migrate", json.dumps({"migration": name})),
                )
            applied.append(name)
        return applied

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction; nested uses join the outer one. Rolls back on any error."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._depth = 0

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        return self.conn.executemany(sql, rows)

    def audit(self, action: str, detail: dict[str, Any] | None = None) -> None:
        """Append to the audit log (who, what, when)."""
        self.conn.execute(
            "INSERT INTO audit (at, who, action, detail) VALUES (?, ?, ?, ?)",
            (now(), current_user(), action, json.dumps(detail or {}, ensure_ascii=False)),
        )

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def last_audit(self, action: str) -> Any:
        """The newest audit entry of ``action`` (``at, detail``), or None."""
        return self.conn.execute(
            "SELECT at, detail FROM audit WHERE action = ? ORDER BY id DESC LIMIT 1", (action,)
        ).fetchone()

    def compact(self) -> None:
        """Checkpoint the WAL into the main file, truncate it, and VACUUM.

        Raises:
            ProjectError: another connection holds the file open, so old pages could
                not be overwritten; the caller's changes are committed, but their bytes
                may survive until the other program closes and this is run again.
        """
        try:
            self._checkpoint()
            self.conn.execute("VACUUM")
            self._checkpoint()
        except sqlite3.OperationalError as exc:
            raise self._busy() from exc

    def _checkpoint(self) -> None:
        busy, _, _ = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise self._busy()

    def _busy(self) -> ProjectError:
        return ProjectError(
            f"another program has {self.path} open, so it could not be compacted and old "
            "copies of the changed text may remain in it; close the other program "
            "(a notebook, a database browser) and run the command again."
        )

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()
