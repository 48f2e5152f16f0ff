"""Codings: who applied which code to which segment, and whose codings count.

:class:`CodingsMixin` gives :class:`~mpsp_qual.app.project.Project` its codings API:
listing them, recording one coder's codings for a set of segments (replacing what
that coder had there), memos, and the rule that picks the default coder.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd

from mpsp_qual.core.model import AUTO_CODER, CONSENSUS_CODER
from mpsp_qual.store.db import now

CODING_COLUMNS = [
    "segment_id",
    "document",
    "turn",
    "speaker",
    "participant_id",
    "code",
    "coder",
    "evidence",
]
HUMAN_EXCLUDED = {AUTO_CODER}


def _codings_frame(project, *, coder: str | None, include_withdrawn: bool) -> pd.DataFrame:
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
    frame = pd.read_sql_query(sql, project.store.conn, params=params)
    # pandas reads a NULL beside JSON text as NaN, which is truthy: test for str.
    frame["evidence"] = [json.loads(e) if isinstance(e, str) else None for e in frame["evidence"]]
    return frame.reindex(columns=CODING_COLUMNS)


class CodingsMixin:
    """Codings methods of a Project (which provides ``store`` and ``coders()``)."""

    def codings(self, *, coder: str | None = None, include_withdrawn: bool = False) -> pd.DataFrame:
        """Every coding: columns ``segment_id, document, turn, speaker, participant_id, code,
        coder, evidence`` (evidence a dict or None). Withdrawn participants are left out
        unless ``include_withdrawn``."""
        return _codings_frame(self, coder=coder, include_withdrawn=include_withdrawn)

    def record_codings(
        self,
        coder: str,
        codings: Iterable[tuple[str, str, dict | None]],
        *,
        segments: Iterable[str],
        memos: dict[str, str] | None = None,
        action: str = "codings",
        detail: dict | None = None,
    ) -> int:
        """Replace ``coder``'s codings on ``segments`` with ``codings``; returns how many.

        ``segments`` are the segments this coder has now coded (with or without codes), so
        that agreement can tell "coded, no code" from "not coded". Only what differs is
        written: an unchanged coding keeps its row and date, and a call that changes
        nothing writes nothing, not even an audit entry (so re-running a step is a
        no-op). One transaction, one audit entry.
        """
        segment_ids = list(dict.fromkeys(segments))
        wanted: dict[tuple[str, str], str | None] = {
            (sid, code): json.dumps(ev, ensure_ascii=False) if ev else None
            for sid, code, ev in codings
        }
        scope = set(segment_ids) | {sid for sid, _ in wanted}
        conn = self.store.conn
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
        want_memos = {sid: m for sid, m in (memos or {}).items() if m}
        coded = {
            sid
            for (sid,) in conn.execute(
                "SELECT segment_id FROM coded_segments WHERE coder = ?", (coder,)
            )
        }
        stale = [key for key in have if key not in wanted or have[key] != wanted[key]]
        fresh = [key for key in wanted if key not in have or have[key] != wanted[key]]
        stale_memos = [
            sid for sid in have_memos if sid in set(segment_ids) and sid not in want_memos
        ]
        fresh_memos = [sid for sid, m in want_memos.items() if have_memos.get(sid) != m]
        new_coded = [sid for sid in segment_ids if sid not in coded]
        if not (stale or fresh or stale_memos or fresh_memos or new_coded):
            return len(wanted)
        stamp = now()
        with self.store.transaction() as conn:
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
                [(sid, coder, want_memos[sid]) for sid in fresh_memos],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO coded_segments (segment_id, coder) VALUES (?, ?)",
                [(sid, coder) for sid in new_coded],
            )
            self.store.audit(
                action,
                {
                    "coder": coder,
                    "segments": len(segment_ids),
                    "codings": len(wanted),
                    "added": len(fresh),
                    "removed": len(stale),
                    **(detail or {}),
                },
            )
        return len(wanted)

    def default_coder(self) -> str:
        """Whose codings count when no coder is named.

        A coder counts only if they have coded every participant segment (withdrawn
        participants aside): ``consensus`` if it is complete; else the one complete human
        coder; else ``auto``. A coder, or a consensus, that covers only a reliability
        sample never becomes the default, since figures over all participants would
        then count a sample as if it were everything.
        """
        total = self.store.execute(
            "SELECT COUNT(*) FROM segment_view WHERE participant_id IS NOT NULL AND withdrawn = 0"
        ).fetchone()[0]
        complete = {
            r[0]
            for r in self.store.execute(
                """SELECT cs.coder FROM coded_segments cs
                   JOIN segment_view v ON v.segment_id = cs.segment_id
                   WHERE v.participant_id IS NOT NULL AND v.withdrawn = 0
                   GROUP BY cs.coder HAVING COUNT(*) = ?""",
                (total,),
            )
        }
        if CONSENSUS_CODER in complete:
            return CONSENSUS_CODER
        humans = sorted(complete - HUMAN_EXCLUDED - {CONSENSUS_CODER})
        if len(humans) == 1:
            return humans[0]
        return AUTO_CODER

    def memos(self, *, coder: str | None = None) -> pd.DataFrame:
        """Memos: columns ``segment_id, coder, memo``."""
        sql = "SELECT segment_id, coder, memo FROM memos"
        params: tuple = ()
        if coder:
            sql += " WHERE coder = ?"
            params = (coder,)
        return pd.read_sql_query(
            sql + " ORDER BY segment_id, coder", self.store.conn, params=params
        )

    def coded_segments(self, coder: str) -> list[str]:
        """The segments ``coder`` has coded (with or without applying a code)."""
        return [
            r[0]
            for r in self.store.execute(
                "SELECT segment_id FROM coded_segments WHERE coder = ? ORDER BY segment_id",
                (coder,),
            )
        ]
