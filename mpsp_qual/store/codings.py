"""Codes, codings, memos and coded segments: who applied which code where.

A coder's codings are replaced a set of segments at a time; the diff against what is
stored is read and written in one transaction, so two coders sharing a project never
lose each other's work. ``coded_segments`` records which segments a coder has coded,
with or without a code, which agreement statistics need.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from mpsp_qual.core.columns import CODING_COLUMNS

if TYPE_CHECKING:
    from mpsp_qual.store.db import Store


class Codings:
    """The codes, codings, memos and coded_segments tables."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def _conn(self):
        return self._store.conn

    # -- codes ---------------------------------------------------------------------------

    def used_codes(self) -> list[str]:
        """Every code id that has at least one coding."""
        return [r[0] for r in self._conn.execute("SELECT DISTINCT code FROM codings ORDER BY code")]

    def set_codes(self, codes: list[tuple[str, str | None, str]]) -> None:
        """Make the codes table exactly ``(id, parent, name)`` in this order; codings of
        dropped codes go with them."""
        ids = tuple(c[0] for c in codes)
        marks = ",".join("?" * len(ids))
        self._conn.execute(f"DELETE FROM codings WHERE code NOT IN ({marks})", ids)
        self._conn.execute(f"DELETE FROM codes WHERE id NOT IN ({marks})", ids)
        self._conn.executemany(
            "INSERT INTO codes (id, parent, name, position) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET parent = excluded.parent, name = excluded.name, "
            "position = excluded.position",
            [(cid, parent, name, i) for i, (cid, parent, name) in enumerate(codes)],
        )

    # -- codings -------------------------------------------------------------------------

    def frame(self, *, coder: str | None = None, include_withdrawn: bool = False) -> pd.DataFrame:
        """Every coding: columns :data:`~mpsp_qual.core.columns.CODING_COLUMNS`."""
        clauses, params = [], []
        if coder is not None:
            clauses.append("c.coder = ?")
            params.append(coder)
        if not include_withdrawn:
            clauses.append("v.withdrawn = 0")
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"""SELECT v.segment_id, v.document, v.turn, v.speaker, v.participant_id,
                         c.code, c.coder, c.evidence
                  FROM codings c JOIN segment_view v ON v.segment_id = c.segment_id
                  JOIN codes k ON k.id = c.code
                  {where}
                  ORDER BY v.document, v.turn, v.seq, k.position, c.coder"""
        frame = pd.read_sql_query(sql, self._conn, params=params)
        # pandas reads a NULL beside JSON text as NaN, which is truthy: test for str.
        frame["evidence"] = [
            json.loads(e) if isinstance(e, str) else None for e in frame["evidence"]
        ]
        return frame.reindex(columns=CODING_COLUMNS)

    def add(
        self,
        codings: list[tuple[str, str, str]],
        memos: dict[tuple[str, str], str],
        *,
        stamp: str,
    ) -> None:
        """Add ``(segment_id, code, coder)`` codings (no evidence), marking their segments
        coded by their coders, and memos by ``(segment_id, coder)``."""
        self._conn.executemany(
            "INSERT OR IGNORE INTO codings (segment_id, code, coder, evidence, created_at) "
            "VALUES (?, ?, ?, NULL, ?)",
            [(*row, stamp) for row in codings],
        )
        self._conn.executemany(
            "INSERT OR IGNORE INTO coded_segments (segment_id, coder) VALUES (?, ?)",
            sorted({(sid, coder) for sid, _, coder in codings}),
        )
        self._conn.executemany(
            "INSERT INTO memos (segment_id, coder, memo) VALUES (?, ?, ?)",
            [(sid, coder, memo) for (sid, coder), memo in memos.items()],
        )

    def drop_outside(self, coder: str, keep: set[str]) -> int:
        """Delete ``coder``'s codings and coded marks on segments not in ``keep``; how many
        segments lost them."""
        stale = [
            (coder, r[0])
            for r in self._conn.execute(
                "SELECT segment_id FROM coded_segments WHERE coder = ? "
                "UNION SELECT segment_id FROM codings WHERE coder = ?",
                (coder, coder),
            )
            if r[0] not in keep
        ]
        self._conn.executemany("DELETE FROM codings WHERE coder = ? AND segment_id = ?", stale)
        self._conn.executemany(
            "DELETE FROM coded_segments WHERE coder = ? AND segment_id = ?", stale
        )
        return len(stale)

    def counts_by_code(self) -> dict[tuple[str, str], tuple[int, int]]:
        """``(code, coder) -> (segments, participants)`` over participants still in the study."""
        return {
            (r[0], r[1]): (r[2], r[3])
            for r in self._conn.execute(
                """SELECT c.code, c.coder, COUNT(DISTINCT c.segment_id),
                          COUNT(DISTINCT v.participant_id)
                   FROM codings c JOIN segment_view v ON v.segment_id = c.segment_id
                   WHERE v.withdrawn = 0
                   GROUP BY c.code, c.coder"""
            )
        }

    def coders(self) -> set[str]:
        """Every coder with codings or coded segments."""
        return {
            r[0]
            for r in self._conn.execute(
                "SELECT coder FROM codings UNION SELECT coder FROM coded_segments"
            )
        }

    def replace(
        self,
        coder: str,
        wanted: dict[tuple[str, str], str | None],
        segment_ids: list[str],
        memos: dict[str, str],
        *,
        stamp: str,
        action: str,
        detail: dict,
    ) -> None:
        """Replace ``coder``'s codings on ``segment_ids`` by ``wanted`` (evidence as JSON).

        Reads, diffs and writes in one transaction: only what differs is written (an
        unchanged coding keeps its row and date) and a call that changes nothing
        writes nothing, not even an audit entry.
        """
        with self._store.transaction() as conn:
            scope = set(segment_ids) | {sid for sid, _ in wanted}
            have = {
                (sid, code): evidence
                for sid, code, evidence in conn.execute(
                    "SELECT segment_id, code, evidence FROM codings WHERE coder = ?", (coder,)
                )
                if sid in scope
            }
            have_memos = {
                sid: memo
                for sid, memo in conn.execute(
                    "SELECT segment_id, memo FROM memos WHERE coder = ?", (coder,)
                )
                if sid in scope
            }
            coded = {
                sid
                for (sid,) in conn.execute(
                    "SELECT segment_id FROM coded_segments WHERE coder = ?", (coder,)
                )
            }
            in_scope = set(segment_ids)
            stale = [key for key in have if key not in wanted or have[key] != wanted[key]]
            fresh = [key for key in wanted if key not in have or have[key] != wanted[key]]
            stale_memos = [sid for sid in have_memos if sid in in_scope and sid not in memos]
            fresh_memos = [sid for sid, m in memos.items() if have_memos.get(sid) != m]
            new_coded = [sid for sid in segment_ids if sid not in coded]
            if not (stale or fresh or stale_memos or fresh_memos or new_coded):
                return
            conn.executemany(
                "DELETE FROM codings WHERE segment_id = ? AND code = ? AND coder = ?",
                [(sid, code, coder) for sid, code in stale],
            )
            conn.executemany(
                "INSERT INTO codings (segment_id, code, coder, evidence, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(sid, code, coder, wanted[(sid, code)], stamp) for sid, code in fresh],
            )
            conn.executemany(
                "DELETE FROM memos WHERE segment_id = ? AND coder = ?",
                [(sid, coder) for sid in stale_memos],
            )
            conn.executemany(
                "INSERT OR REPLACE INTO memos (segment_id, coder, memo) VALUES (?, ?, ?)",
                [(sid, coder, memos[sid]) for sid in fresh_memos],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO coded_segments (segment_id, coder) VALUES (?, ?)",
                [(sid, coder) for sid in new_coded],
            )
            self._store.audit(
                action,
                {
                    "coder": coder,
                    "segments": len(segment_ids),
                    "codings": len(wanted),
                    "added": len(fresh),
                    "removed": len(stale),
                    **detail,
                },
            )

    def complete_coders(self) -> set[str]:
        """Coders who have coded every participant segment (withdrawn participants aside)."""
        total = self._store.documents.participant_segment_count()
        return {
            r[0]
            for r in self._conn.execute(
                """SELECT cs.coder FROM coded_segments cs
                   JOIN segment_view v ON v.segment_id = cs.segment_id
                   WHERE v.participant_id IS NOT NULL AND v.withdrawn = 0
                   GROUP BY cs.coder HAVING COUNT(*) = ?""",
                (total,),
            )
        }

    def memos_frame(self, *, coder: str | None = None) -> pd.DataFrame:
        """Memos: columns ``segment_id, coder, memo``."""
        sql = "SELECT segment_id, coder, memo FROM memos"
        params: tuple = ()
        if coder:
            sql += " WHERE coder = ?"
            params = (coder,)
        return pd.read_sql_query(sql + " ORDER BY segment_id, coder", self._conn, params=params)

    def coded_segments(self, coder: str) -> list[str]:
        """The segments ``coder`` has coded (with or without applying a code)."""
        return [
            r[0]
            for r in self._conn.execute(
                "SELECT segment_id FROM coded_segments WHERE coder = ? ORDER BY segment_id",
                (coder,),
            )
        ]

    def coded_with(self, coder: str) -> dict[str, set[str]]:
        """The codes ``coder`` applied, by segment."""
        out: dict[str, set[str]] = {}
        for sid, code in self._conn.execute(
            "SELECT segment_id, code FROM codings WHERE coder = ?", (coder,)
        ):
            out.setdefault(sid, set()).add(code)
        return out

    def codes_by_segment(self) -> dict[str, list[str]]:
        """Every code applied to each segment (by anyone), in codebook order."""
        out: dict[str, list[str]] = {}
        for sid, code in self._conn.execute(
            "SELECT segment_id, code FROM codings c JOIN codes k ON k.id = c.code ORDER BY k.position"
        ):
            out.setdefault(sid, []).append(code)
        return out

    def participant_codings(self, coder: str, codes: list[str]) -> list[Any]:
        """``coder``'s codings with ``codes`` on participant segments, with the segments."""
        marks = ",".join("?" * len(codes))
        return self._conn.execute(
            f"""SELECT c.segment_id, c.code, c.evidence, v.document, v.turn, v.seq,
                       v.participant_id, v.start_time, v.start, v.end, v.text
                FROM codings c JOIN segment_view v ON v.segment_id = c.segment_id
                WHERE c.coder = ? AND c.code IN ({marks}) AND v.participant_id IS NOT NULL""",
            (coder, *codes),
        ).fetchall()
