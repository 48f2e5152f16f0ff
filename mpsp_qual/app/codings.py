"""The codings service: listing codings, recording a coder's codings, memos.

:class:`CodingsService` is what :class:`~mpsp_qual.app.project.Project` delegates its
codings API to. The diff-and-write of :meth:`CodingsService.record_codings` happens in
the store, in one transaction; whose codings count is
:mod:`mpsp_qual.coding.coders`' rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd

from mpsp_qual.coding import coders as coder_rule
from mpsp_qual.store.db import Store, now


class CodingsService:
    """Codings of one project's store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def codings(self, *, coder: str | None = None, include_withdrawn: bool = False) -> pd.DataFrame:
        """Every coding: columns ``segment_id, document, turn, speaker, participant_id, code,
        coder, evidence`` (evidence a dict or None). Withdrawn participants are left out
        unless ``include_withdrawn``."""
        return self.store.codings.frame(coder=coder, include_withdrawn=include_withdrawn)

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
        no-op). One transaction (reads included), one audit entry.
        """
        segment_ids = list(dict.fromkeys(segments))
        wanted: dict[tuple[str, str], str | None] = {
            (sid, code): json.dumps(ev, ensure_ascii=False) if ev else None
            for sid, code, ev in codings
        }
        want_memos = {sid: m for sid, m in (memos or {}).items() if m}
        self.store.codings.replace(
            coder,
            wanted,
            segment_ids,
            want_memos,
            stamp=now(),
            action=action,
            detail=detail or {},
        )
        return len(wanted)

    def default_coder(self) -> str:
        """Whose codings count when no coder is named; see :mod:`mpsp_qual.coding.coders`."""
        return coder_rule.default_coder(self.store)

    def coders(self) -> list[str]:
        """Every coder with codings or coded segments, ``auto`` first."""
        return coder_rule.coders(self.store)

    def memos(self, *, coder: str | None = None) -> pd.DataFrame:
        """Memos: columns ``segment_id, coder, memo``."""
        return self.store.codings.memos_frame(coder=coder)

    def coded_segments(self, coder: str) -> list[str]:
        """The segments ``coder`` has coded (with or without applying a code)."""
        return self.store.codings.coded_segments(coder)
