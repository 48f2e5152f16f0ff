"""Quote approvals: each participant's recorded decision on each quote.

A decision is about the text its span held when it was made; :data:`FRESH_APPROVAL`
tells a decision still about the text its span holds now from a stale one (its
transcript re-imported since), which counts as no decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from mpsp_qual.store.db import Store

#: SQL (over ``quote_approvals a`` joined to ``documents d``) true when a recorded decision
#: is about the text its span holds now.
FRESH_APPROVAL = "a.quote = substr(d.text, a.start + 1, a.end - a.start)"

#: The setting that says whether only approved quotes reach the report bank.
REQUIRE_APPROVAL_SETTING = "quotes.require_approval"


class Approvals:
    """The quote_approvals table."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def _conn(self):
        return self._store.conn

    def required(self) -> bool:
        """Whether only approved quotes reach the report bank (on unless switched off)."""
        return (self._store.get_setting(REQUIRE_APPROVAL_SETTING, "on") or "on") != "off"

    def set_required(self, on: bool) -> None:
        """Switch the approval requirement on or off (recorded in the audit log)."""
        with self._store.transaction():
            if self.required() != on:
                value = "on" if on else "off"
                self._store.set_setting(REQUIRE_APPROVAL_SETTING, value)
                self._store.audit("quotes setting", {REQUIRE_APPROVAL_SETTING: value})

    def frame(self) -> pd.DataFrame:
        """Every decision: ``segment_id, participant_id, start, end, decision, edited_text,
        decided_at``."""
        return pd.read_sql_query(
            "SELECT segment_id, participant_id, start, end, decision, edited_text, decided_at "
            "FROM quote_approvals ORDER BY segment_id, start",
            self._conn,
        )

    def fresh_spans(self) -> set[tuple[str, int, int]]:
        """``(segment_id, start, end)`` of every decision still about its text."""
        return {
            (r[0], r[1], r[2])
            for r in self._conn.execute(
                f"""SELECT a.segment_id, a.start, a.end
                    FROM quote_approvals a JOIN segments s ON s.id = a.segment_id
                    JOIN documents d ON d.id = s.document_id
                    WHERE {FRESH_APPROVAL}"""
            )
        }

    def fresh_with_documents(self) -> list[Any]:
        """Fresh decisions with their document: ``document, segment_id, participant_id,
        start, end, decision, edited_text, decided_at``."""
        return self._conn.execute(
            f"""SELECT v.document, a.segment_id, a.participant_id, a.start, a.end, a.decision,
                      a.edited_text, a.decided_at
               FROM quote_approvals a JOIN segment_view v ON v.segment_id = a.segment_id
               JOIN documents d ON d.id = v.document_id
               WHERE {FRESH_APPROVAL}"""
        ).fetchall()

    def fresh_edits(self) -> list[Any]:
        """Fresh approved edits made by the quote's own speaker: ``document, turn, start, end,
        edited_text``."""
        return self._conn.execute(
            f"""SELECT v.document, v.turn, a.start, a.end, a.edited_text
               FROM quote_approvals a JOIN segment_view v ON v.segment_id = a.segment_id
               JOIN documents d ON d.id = v.document_id
               WHERE a.decision = 'approved with edits' AND a.edited_text IS NOT NULL
                 AND a.participant_id = v.participant_id AND {FRESH_APPROVAL}"""
        ).fetchall()

    def fresh_overlapping(self, participant_id: str, document: str, start: int, end: int):
        """A participant's fresh decisions on spans of ``document`` overlapping [start, end)."""
        return self._conn.execute(
            f"""SELECT a.start, a.end, a.decision, a.edited_text
               FROM quote_approvals a JOIN segment_view v ON v.segment_id = a.segment_id
               JOIN documents d ON d.id = v.document_id
               WHERE a.participant_id = ? AND v.document = ? AND a.start < ? AND a.end > ?
                 AND {FRESH_APPROVAL}""",
            (participant_id, document, end, start),
        ).fetchall()

    def record(
        self,
        segment_id: str,
        participant_id: str,
        start: int,
        end: int,
        quote: str,
        decision: str,
        edited_text: str | None,
        decided_at: str,
    ) -> None:
        """Record (or replace) the decision on one quote span."""
        self._conn.execute(
            "INSERT OR REPLACE INTO quote_approvals (segment_id, participant_id, start, "
            "end, quote, decision, edited_text, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (segment_id, participant_id, start, end, quote, decision, edited_text, decided_at),
        )
