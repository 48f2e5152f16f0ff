"""Aggregates over the codings that count: prevalence, breakdowns and matrices.

Every function here takes ``coder`` (``None`` means :meth:`Project.default_coder`:
``consensus`` if present, else the single human coder who coded everything, else
``auto``) and records the coder it used in ``DataFrame.attrs["coder"]``. Withdrawn
participants are left out everywhere, and so is the interviewer. The participants
who count (the denominator ``n``) are those not withdrawn who have at least one
segment. Codes roll up: a segment coded with any descendant of a code counts under
that code too, and every count is of distinct segments, documents or participants,
never of codings.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from mpsp_qual.coding import coders as coder_rule
from mpsp_qual.core.errors import AnalysisError
from mpsp_qual.core.model import Codebook
from mpsp_qual.inputs.register import RESERVED

__all__ = [
    "Analysis",
    "PREVALENCE_COLUMNS",
    "case_code",
    "cooccurrence",
    "framework_matrix",
    "prevalence",
    "resolve_coder",
    "trim_excerpt",
]

#: Columns of :func:`prevalence` (with ``by``, the attribute column comes first).
PREVALENCE_COLUMNS = [
    "code",
    "name",
    "level",
    "segments",
    "documents",
    "participants",
    "n",
    "pct_participants",
]
#: The units :func:`cooccurrence` can count.
COOCCURRENCE_UNITS = ("segments", "participants")
#: Register columns that describe a person rather than group them.
_NOT_ATTRIBUTES = set(RESERVED)


def resolve_coder(project, coder: str | None = None) -> str:
    """Return whose codings count: ``coder`` if the project has it, else the default.

    Raises:
        AnalysisError: ``coder`` has neither codings nor coded segments in the project.
    """
    return coder_rule.resolve_coder(project.store, coder, error=AnalysisError)


class Analysis:
    """The codings that count, loaded once, and the tables computed from them.

    The module's functions each build one; build it yourself to compute several
    tables from one read of the project (as the summary workbook does).

    Example:
        >>> analysis = Analysis(project, coder="alice")
        >>> analysis.prevalence(by="sector")  # doctest: +SKIP

    Attributes:
        coder: Whose codings count.
        n: The participants who count: not withdrawn, with at least one segment.

    Raises:
        AnalysisError: ``coder`` does not exist in the project.
        ProjectError: the project has no codebook.
    """

    def __init__(self, project, *, coder: str | None = None) -> None:
        self.project = project
        self.coder = resolve_coder(project, coder)
        self.codebook: Codebook = project.codebook
        self._lineage = _lineage(self.codebook)
        self._register_columns = list(project.participants().columns)
        segments = project.segments(participants_only=True, include_withdrawn=False)
        people = project.participants(include_withdrawn=False)
        people = people[people["participant_id"].isin(set(segments["participant_id"]))]
        self.people = people.reset_index(drop=True)
        self.segments = segments
        codings = project.codings(coder=self.coder, include_withdrawn=False)
        #: The coder's codings of participants who count, as applied (before roll-up).
        self.codings = codings[codings["participant_id"].isin(set(self.people["participant_id"]))]
        #: segment_id, document, participant_id, code: each coding with its ancestors, distinct
        self.coded = self._roll_up(self.codings)

    @property
    def n(self) -> int:
        return len(self.people)

    def _roll_up(self, codings: pd.DataFrame) -> pd.DataFrame:
        rows = [
            (sid, doc, pid, code)
            for sid, doc, pid, applied in zip(
                codings["segment_id"],
                codings["document"],
                codings["participant_id"],
                codings["code"],
            )
            for code in self._lineage.get(applied, ())
        ]
        frame = pd.DataFrame(rows, columns=["segment_id", "document", "participant_id", "code"])
        return frame.drop_duplicates(ignore_index=True)

    def _codes(self, codes: Iterable[str] | None) -> list[str]:
        """Code ids in the order asked for (codebook order by default), each checked."""
        if codes is None:
            return [c.id for c in self.codebook]
        chosen = list(dict.fromkeys(codes))
        for code in chosen:
            self.codebook.get(code)
        if not chosen:
            raise AnalysisError("no codes were named; name one or more code ids.")
        return chosen

    def _check_column(self, column: str) -> None:
        if column not in self._register_columns:
            listed = (
                ", ".join(c for c in self._register_columns if c not in _NOT_ATTRIBUTES) or "none"
            )
            raise AnalysisError(
                f"the participants register has no column {column!r}; its attribute columns "
                f"are {listed} (any register column, such as role, also works)."
            )

    def _done(self, frame: pd.DataFrame, **extra: object) -> pd.DataFrame:
        frame.attrs = {"coder": self.coder, "n": self.n, **extra}
        return frame

    def _prevalence_table(self, coded: pd.DataFrame, n: int) -> pd.DataFrame:
        counts = coded.groupby("code").agg(
            segments=("segment_id", "nunique"),
            documents=("document", "nunique"),
            participants=("participant_id", "nunique"),
        )
        ids = [c.id for c in self.codebook]
        counts = counts.reindex(ids, fill_value=0).astype("int64")
        table = pd.DataFrame(
            {
                "code": ids,
                "name": [c.name for c in self.codebook],
                "level": [len(self._lineage[c]) for c in ids],
                "segments": counts["segments"].to_numpy(),
                "documents": counts["documents"].to_numpy(),
                "participants": counts["participants"].to_numpy(),
                "n": n,
            }
        )
        table["pct_participants"] = table["participants"] / n if n else float("nan")
        return table[PREVALENCE_COLUMNS]

    def prevalence(self, *, by: str | None = None) -> pd.DataFrame:
        """See :func:`prevalence`."""
        if by is None:
            return self._done(self._prevalence_table(self.coded, self.n), by=None)
        self._check_column(by)
        groups = _groups(self.people, by)
        tables = []
        for group in sorted(set(groups)):
            ids = set(self.people.loc[groups == group, "participant_id"])
            table = self._prevalence_table(
                self.coded[self.coded["participant_id"].isin(ids)], len(ids)
            )
            table.insert(0, by, group)
            tables.append(table)
        columns = [by, *PREVALENCE_COLUMNS]
        frame = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)
        return self._done(frame, by=by)

    def _incidence(self, unit_column: str, units: Iterable[str], ids: list[str]) -> np.ndarray:
        """A 0/1 array: units (rows, in the order given) by codes ``ids``."""
        row = {u: i for i, u in enumerate(units)}
        col = {c: j for j, c in enumerate(ids)}
        out = np.zeros((len(row), len(ids)), dtype=np.int64)
        for unit, code in zip(self.coded[unit_column], self.coded["code"]):
            if code in col and unit in row:
                out[row[unit], col[code]] = 1
        return out

    def case_code(self, *, codes: Iterable[str] | None = None) -> pd.DataFrame:
        """See :func:`case_code`."""
        ids = self._codes(codes)
        pids = list(self.people["participant_id"])
        index = {p: i for i, p in enumerate(pids)}
        col = {c: j for j, c in enumerate(ids)}
        counts = np.zeros((len(pids), len(ids)), dtype=np.int64)
        for pid, code in zip(self.coded["participant_id"], self.coded["code"]):
            if code in col:
                counts[index[pid], col[code]] += 1  # coded is distinct per segment and code
        spoken = self.segments.groupby("participant_id")["segment_id"].nunique()
        frame = pd.DataFrame(
            {
                "participant_id": pids,
                "attribution": self.people["attribution"].to_numpy(),
                "segments": spoken.reindex(pids).fillna(0).astype("int64").to_numpy(),
            }
        )
        matrix = pd.DataFrame(counts, columns=ids)
        frame = pd.concat([frame, matrix], axis=1)
        frame.columns = ["participant_id", "attribution", "segments", *ids]
        return self._done(frame)

    def cooccurrence(
        self, *, unit: str = "segments", codes: Iterable[str] | None = None
    ) -> pd.DataFrame:
        """See :func:`cooccurrence`."""
        if unit not in COOCCURRENCE_UNITS:
            raise AnalysisError(
                f"unknown co-occurrence unit {unit!r}; use {' or '.join(COOCCURRENCE_UNITS)}."
            )
        ids = self._codes(codes)
        if unit == "segments":
            incidence = self._incidence("segment_id", self.segments["segment_id"], ids)
        else:
            incidence = self._incidence("participant_id", self.people["participant_id"], ids)
        both = incidence.T @ incidence
        related = np.array(
            [
                [a != b and (b in self._lineage[a] or a in self._lineage[b]) for b in ids]
                for a in ids
            ],
            dtype=bool,
        ).reshape(len(ids), len(ids))
        matrix = pd.DataFrame(both, columns=ids).astype("Int64").mask(related)
        names = {c.id: c.name for c in self.codebook}
        frame = pd.DataFrame({"code": ids, "name": [names[c] for c in ids]})
        frame = pd.concat([frame, matrix], axis=1)
        frame.columns = ["code", "name", *ids]
        return self._done(frame, unit=unit)

    def framework_matrix(
        self,
        *,
        codes: Iterable[str] | None = None,
        words: int = 40,
        attributes: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """See :func:`framework_matrix`."""
        ids = [c.id for c in self.codebook.roots()] if codes is None else self._codes(codes)
        if attributes is None:
            shown = [c for c in self.people.columns if c not in _NOT_ATTRIBUTES]
        else:
            shown = list(dict.fromkeys(attributes))
            for column in shown:
                self._check_column(column)
        order = {sid: i for i, sid in enumerate(self.segments["segment_id"])}
        text = dict(zip(self.segments["segment_id"], self.segments["text"]))
        cells: dict[tuple[str, str], list[str]] = {}
        for sid, pid, code in zip(
            self.coded["segment_id"], self.coded["participant_id"], self.coded["code"]
        ):
            cells.setdefault((pid, code), []).append(sid)
        frame = self.people.reindex(columns=["participant_id", "attribution", *shown]).copy()
        for code in ids:
            excerpts, counts = [], []
            for pid in frame["participant_id"]:
                sids = sorted(cells.get((pid, code), []), key=order.__getitem__)
                excerpts.append("\n\n".join(trim_excerpt(text[s], words=words) for s in sids))
                counts.append(len(sids))
            frame[code] = excerpts
            frame[f"{code}_n"] = pd.Series(counts, index=frame.index, dtype="int64")
        return self._done(frame.reset_index(drop=True), codes=tuple(ids))


def _lineage(codebook: Codebook) -> dict[str, list[str]]:
    """Each code with its ancestors, itself first."""
    parents = {c.id: c.parent for c in codebook}
    out: dict[str, list[str]] = {}
    for code in codebook:
        chain, parent = [code.id], code.parent
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = parents.get(parent)
        out[code.id] = chain
    return out


def _groups(people: pd.DataFrame, by: str) -> pd.Series:
    values = people[by] if by in people.columns else pd.Series("", index=people.index)
    return values.map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v))


def prevalence(project, *, coder: str | None = None, by: str | None = None) -> pd.DataFrame:
    """How many segments, documents and participants each code was applied to.

    Example: with n = 3 participants, a secondary challenge coded for one and its
    primary challenge coded for another gives the primary ``participants = 2``,
    ``pct_participants = 0.667``.

    Args:
        project: The project.
        coder: Whose codings count (default: :meth:`Project.default_coder`).
        by: A participants register column (sector, role, ...): the same table for
            each of its values, sorted, a blank value forming the group ``""``.
            Groups with no participant who counts do not appear.

    Returns:
        One row per code in codebook order (per group and code with ``by``), columns
        :data:`PREVALENCE_COLUMNS` (with ``by``, the attribute column first):
        ``segments``, ``documents`` and ``participants`` coded with the code or any
        code below it; ``n`` the participants with at least one segment (in the
        group); ``pct_participants = participants / n`` as a fraction (NaN if n is
        0). ``attrs`` holds ``coder``, ``n`` (overall) and ``by``.

    Raises:
        AnalysisError: the coder or the ``by`` column does not exist.
        ProjectError: the project has no codebook.
    """
    return Analysis(project, coder=coder).prevalence(by=by)


def case_code(
    project, *, coder: str | None = None, codes: Iterable[str] | None = None
) -> pd.DataFrame:
    """Participants by codes: how many of each participant's segments carry each code.

    Args:
        project: The project.
        coder: Whose codings count.
        codes: The code columns (default every code, in codebook order).

    Returns:
        One row per participant who counts (register order): ``participant_id``,
        ``attribution``, ``segments`` (all their segments), then one integer column
        per code id (segments coded with the code or any code below it).

    Raises:
        AnalysisError: the coder does not exist.
        UnknownCode: a code in ``codes`` is not in the codebook.
    """
    return Analysis(project, coder=coder).case_code(codes=codes)


def cooccurrence(
    project,
    *,
    coder: str | None = None,
    unit: str = "segments",
    codes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Codes by codes: how many segments (or participants) carry both codes.

    The diagonal is the number carrying the code. A code and one of its ancestors
    always co-occur once codes roll up, so those cells are left empty (NA).

    Args:
        project: The project.
        coder: Whose codings count.
        unit: ``segments`` (coded with both on one segment) or ``participants``
            (coded with both anywhere in their interview).
        codes: The codes (default every code, in codebook order).

    Returns:
        A square table: ``code``, ``name``, then one nullable integer column per code id.

    Raises:
        AnalysisError: the coder does not exist or ``unit`` is not one of
            :data:`COOCCURRENCE_UNITS`.
        UnknownCode: a code in ``codes`` is not in the codebook.
    """
    return Analysis(project, coder=coder).cooccurrence(unit=unit, codes=codes)


def trim_excerpt(text: str, *, words: int = 40) -> str:
    """The text as it is if it has at most ``words`` words, else its first ``words`` and "…".

    >>> trim_excerpt("one two three", words=2)
    'one two…'
    """
    parts = text.split()
    if len(parts) <= words:
        return text.strip()
    return " ".join(parts[:words]) + "…"


def framework_matrix(
    project,
    *,
    coder: str | None = None,
    codes: Iterable[str] | None = None,
    words: int = 40,
    attributes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The Framework Method's matrix: participants by themes, each cell their coded excerpts.

    An analysis sheet for the research team, not a quote output: it shows the words
    of participants who declined quotes, but never those of a withdrawn participant.

    Args:
        project: The project.
        coder: Whose codings count.
        codes: The themes (default the top-level codes); each gathers the segments
            coded with it or any code below it.
        words: Each excerpt is cut to this many words, ending "…".
        attributes: Register columns to show beside each participant (default every
            attribute column, such as sector and region).

    Returns:
        One row per participant who counts (register order): ``participant_id``,
        ``attribution``, the attribute columns, then per theme a column named by its
        id holding the excerpts in transcript order separated by blank lines, and
        ``<id>_n`` with how many there are.

    Raises:
        AnalysisError: the coder or an attribute column does not exist.
        UnknownCode: a code in ``codes`` is not in the codebook.
    """
    return Analysis(project, coder=coder).framework_matrix(
        codes=codes, words=words, attributes=attributes
    )
