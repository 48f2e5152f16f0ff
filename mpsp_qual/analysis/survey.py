"""Survey agreement percentages: "Secure different contracts (80% agree, n = 20)".

A survey file (CSV or XLSX) has one row per respondent: a ``participant_id``
column, attribute columns (sector, region, ...) and one column per statement
holding a five-point Likert label ("Strongly disagree" ... "Strongly agree"), a
number 1-5 (1 = strongly disagree) or, for yes/no items, Yes/No. ``read_survey``
reads the file as text (it lives in :mod:`mpsp_qual.inputs.survey_io` and is re-exported
here), ``statement_columns`` tells statements from attributes,
``survey_agreement`` reports per statement (and per group of an attribute) the
share who agree, with the number of valid answers and a Wilson score interval,
and ``wilson_interval`` is that interval on its own. Blank cells and answers such
as "Don't know" are not valid answers: they are left out of n and counted as
``excluded``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from statistics import NormalDist

import pandas as pd

from mpsp_qual.core.errors import SurveyError
from mpsp_qual.core.numbers import percent
from mpsp_qual.inputs.survey_io import read_survey

__all__ = [
    "AGREEMENT_COLUMNS",
    "SMALL_GROUP",
    "read_survey",
    "statement_columns",
    "survey_agreement",
    "wilson_interval",
]

#: Groups of fewer members than this are flagged beside their figures ("small group"),
#: here and in the workbook, the draft and the charts.
SMALL_GROUP = 5

#: Columns of the table ``survey_agreement`` returns (with ``by``, the attribute
#: column is inserted after ``statement``).
AGREEMENT_COLUMNS = [
    "statement",
    "type",
    "n",
    "excluded",
    "agree",
    "pct_agree",
    "pct_neither",
    "pct_disagree",
    "ci_low",
    "ci_high",
    "label",
]

LIKERT = "likert"
YES_NO = "yes-no"

_LIKERT_LABELS = {
    "strongly disagree": 1,
    "disagree": 2,
    "neither agree nor disagree": 3,
    "neither agree or disagree": 3,
    "neutral": 3,
    "agree": 4,
    "strongly agree": 5,
}
_YES_NO_LABELS = {"yes": True, "y": True, "no": False, "n": False}
# Answers that say "no answer": left out of n, counted as excluded.
_NOT_ANSWERS = {
    "",
    "don't know",
    "dont know",
    "dk",
    "n/a",
    "na",
    "not applicable",
    "prefer not to say",
}
# Excel and some exports write whole numbers as "4.0".
_NUMBER = re.compile(r"[1-5](?:\.0+)?")
_DEFAULT_AGREE = frozenset({4, 5})
_DISAGREE = frozenset({1, 2})
_SCALE_HINT = "use Strongly disagree ... Strongly agree, 1-5, or Yes/No"

# What one cell holds, once normalised.
_MISSING, _LIKERT, _YES_NO, _OTHER = "missing", "likert", "yes-no", "other"


def _normalise(value: str) -> str:
    return " ".join(value.replace("\u2019", "'").replace("\u2018", "'").split()).casefold()


def _classify(value: object) -> tuple[str, int | bool | None]:
    """Say what one cell holds: (kind, Likert level 1-5 or True/False for yes/no)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _MISSING, None
    text = _normalise(str(value))
    if text in _NOT_ANSWERS:
        return _MISSING, None
    if text in _LIKERT_LABELS:
        return _LIKERT, _LIKERT_LABELS[text]
    if _NUMBER.fullmatch(text):
        return _LIKERT, int(text[0])
    if text in _YES_NO_LABELS:
        return _YES_NO, _YES_NO_LABELS[text]
    return _OTHER, None


def _looks_like_statement(values: pd.Series) -> bool:
    kinds = [_classify(v)[0] for v in values]
    on_scale = sum(k in (_LIKERT, _YES_NO) for k in kinds)
    off_scale = kinds.count(_OTHER)
    # A column that is mostly scale answers is a statement with typos, not an
    # attribute: survey_agreement then names the rows to fix instead of the
    # statement silently disappearing from the report. A tie counts as a statement.
    return on_scale > 0 and on_scale >= off_scale


def statement_columns(
    df: pd.DataFrame,
    *,
    statements: Iterable[str] | None = None,
    attributes: Iterable[str] | None = None,
    id_column: str | None = None,
) -> list[str]:
    """Return the statement columns of a survey, in file order.

    With ``statements`` given, exactly those columns are statements (in the order
    given). Otherwise every column except the id column and ``attributes`` whose
    answers (blank and "Don't know" aside) are scale answers is a statement; so is
    a column in which at least half of the answers are, so that a mistyped
    answer is reported by ``survey_agreement`` rather than the statement being
    dropped. Everything else is an attribute. An attribute that happens to hold
    only 1-5 or Yes/No (say, a "lead partner" Yes/No column) is detected as a
    statement: name it in ``attributes`` (or use it as ``by``).

    Args:
        df: Survey responses, as from ``read_survey``.
        statements: The statement columns, when detection should not decide.
        attributes: Columns that are attributes whatever they hold.
        id_column: The respondent id column; defaults to the one ``read_survey``
            recorded in ``df.attrs``, else ``"participant_id"``.

    Returns:
        The statement column names.

    Raises:
        SurveyError: If a named column is not in the survey, is the id column,
            or is named both a statement and an attribute.
    """
    source = df.attrs.get("source", "survey")
    id_column = id_column or df.attrs.get("id_column", "participant_id")
    forced_attributes = _known_columns(df, attributes, "attributes", source, id_column)
    if statements is not None:
        chosen = _known_columns(df, statements, "statements", source, id_column)
        both = [c for c in chosen if c in forced_attributes]
        if both:
            raise SurveyError(
                f"{source}: column {', '.join(f'{c!r}' for c in both)} is named both a "
                "statement and an attribute; name it in only one of them"
            )
        return chosen
    return [
        column
        for column in df.columns
        if column != id_column
        and column not in forced_attributes
        and _looks_like_statement(df[column])
    ]


def _known_columns(
    df: pd.DataFrame, names: Iterable[str] | None, option: str, source: str, id_column: str
) -> list[str]:
    if names is None:
        return []
    if isinstance(names, str):
        names = [names]
    chosen = list(dict.fromkeys(names))
    unknown = [c for c in chosen if c not in df.columns]
    if unknown:
        raise SurveyError(
            f"{source}: {option} names {', '.join(repr(c) for c in unknown)}, which "
            f"the survey does not have; the columns are {', '.join(map(repr, df.columns))}"
        )
    if id_column in chosen:
        raise SurveyError(f"{source}: {option} names the id column {id_column!r}; leave it out")
    return chosen


def wilson_interval(successes: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Return the Wilson score interval for a proportion ``successes / n``.

    With p = successes / n and z the standard normal quantile at
    ``1 - (1 - confidence) / 2`` (1.959964 for 95%)::

        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half   = z / (1 + z**2 / n) * sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
        (low, high) = (centre - half, centre + half)

    This is method 3 of Newcombe (1998), "Two-sided confidence intervals for the
    single proportion", Statistics in Medicine 17:857-872, without continuity
    correction. Unlike the Wald interval it stays inside [0, 1] and does not
    collapse to a point when p is 0 or 1.

    >>> [round(x, 4) for x in wilson_interval(81, 263)]
    [0.2553, 0.3662]

    Args:
        successes: Number of successes, 0 <= successes <= n.
        n: Number of trials.
        confidence: Confidence level, strictly between 0 and 1.

    Returns:
        ``(low, high)`` as fractions; ``(nan, nan)`` when ``n`` is 0.

    Raises:
        ValueError: If the counts or the confidence level are impossible.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence!r}")
    if n < 0 or not 0 <= successes <= max(n, 0):
        raise ValueError(f"successes must be between 0 and n, got {successes} of {n}")
    if n == 0:
        return (math.nan, math.nan)
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def survey_agreement(
    df: pd.DataFrame,
    *,
    by: str | None = None,
    agree: Iterable[int | str] | None = None,
    confidence: float = 0.95,
    statements: Iterable[str] | None = None,
    attributes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Report, per statement, the share of valid answers that agree.

    Likert items count levels in ``agree`` as agree (default the top two boxes,
    4 and 5), 1 and 2 as disagree (minus any level also in ``agree``) and every
    remaining level as neither, so ``pct_agree + pct_neither + pct_disagree`` is
    always 1: with ``agree={5}``, "Agree" (4) counts as neither. Yes/no items
    report the share saying yes as ``pct_agree`` and no as ``pct_disagree``
    (``pct_neither`` is NaN); ``agree`` does not apply to them. A column whose
    answers are all Yes/No is a yes/no item; in a column of mixed kinds the
    majority kind sets the type and the others are outside the scale.

    >>> survey_agreement(read_survey("survey.csv"))  # doctest: +SKIP
        statement      type   n  excluded  agree  pct_agree ...  label
    0   Secure ...   likert  20         2     16        0.8 ...  80% agree, n = 20

    Args:
        df: Survey responses, as from ``read_survey``.
        by: An attribute column: report each statement once per group of it.
            Rows whose attribute is blank form a group of their own (``""``).
        agree: Likert levels that count as agree, as numbers 1-5 or labels
            ("Strongly agree").
        confidence: Confidence level of the Wilson interval ``ci_low``-``ci_high``.
        statements: The statement columns, when detection should not decide
            (see ``statement_columns``).
        attributes: Columns that are attributes whatever they hold.

    Returns:
        One row per statement (per statement and group with ``by``, groups
        sorted), columns ``statement``, [the ``by`` column], ``type`` ("likert"
        or "yes-no"), ``n`` (valid answers), ``excluded`` (blank or "Don't
        know"), ``agree`` (count), ``pct_agree``, ``pct_neither``,
        ``pct_disagree`` (fractions 0-1; NaN when n is 0), ``ci_low``,
        ``ci_high`` (Wilson interval of ``pct_agree``) and ``label``
        ("80% agree, n = 20", "75% yes, n = 16" or "no valid answers"); with
        ``by``, a group of fewer than :data:`SMALL_GROUP`
        valid answers says so in its label ("...; small group (n < 5)").
        ``attrs`` records ``agree`` (the levels) and ``confidence``.

    Raises:
        SurveyError: If ``by`` is not an attribute column, ``agree`` or
            ``confidence`` is not usable, a statement has answers outside its
            scale (every such row and value is listed), or there are no
            statement columns.
    """
    source = df.attrs.get("source", "survey")
    id_column = df.attrs.get("id_column", "participant_id")
    agree_levels = _agree_levels(agree, source)
    if not 0 < confidence < 1:
        raise SurveyError(f"confidence must be between 0 and 1, not {confidence!r}")
    statements = _as_list(statements)
    attribute_names = _as_list(attributes) or []
    if by is not None:
        if by not in df.columns or by == id_column:
            detected = statement_columns(
                df, statements=statements, attributes=attribute_names, id_column=id_column
            )
            available = [c for c in df.columns if c != id_column and c not in detected]
            listed = ", ".join(f'"{c}"' for c in available) if available else "none"
            raise SurveyError(
                f'{source}: no attribute column "{by}" to group by; '
                f"the attribute columns are {listed}"
            )
        if by in AGREEMENT_COLUMNS:
            raise SurveyError(
                f'{source}: cannot group by a column named "{by}", which is also a column '
                "of the report; rename it in the survey"
            )
        if statements is not None and by in statements:
            raise SurveyError(
                f'{source}: "{by}" is named as a statement and as by; group by an attribute'
            )
        if by not in attribute_names:
            attribute_names.append(by)
    columns = statement_columns(
        df, statements=statements, attributes=attribute_names, id_column=id_column
    )
    if not columns:
        raise SurveyError(
            f"{source}: no statement columns (columns whose answers are "
            f"{_SCALE_HINT.removeprefix('use ')}); check the file or name the statements"
        )

    disagree_levels = _DISAGREE - agree_levels
    records = []
    for column in columns:
        kind, answers = _answers(df[column], column, source)
        groups = [(None, answers)] if by is None else list(answers.groupby(df[by], sort=True))
        for group, group_answers in groups:
            record = _summarise(group_answers, kind, agree_levels, disagree_levels, confidence)
            record["statement"] = column
            if by is not None:
                record[by] = group
                if 0 < record["n"] < SMALL_GROUP:
                    # A percentage of three answers reads as more than it is.
                    record["label"] += f"; small group (n < {SMALL_GROUP})"
            records.append(record)

    order = AGREEMENT_COLUMNS[:1] + ([by] if by is not None else []) + AGREEMENT_COLUMNS[1:]
    table = pd.DataFrame.from_records(records, columns=order)
    table = table.astype({"n": "int64", "excluded": "int64", "agree": "int64"})
    table.attrs = {"agree": tuple(sorted(agree_levels)), "confidence": confidence}
    return table


def _as_list(names: Iterable[str] | None) -> list[str] | None:
    if names is None:
        return None
    return [names] if isinstance(names, str) else list(names)


def _agree_levels(agree: Iterable[int | str] | None, source: str) -> frozenset[int]:
    if agree is None:
        return _DEFAULT_AGREE
    if isinstance(agree, (str, int)):
        agree = [agree]
    levels = set()
    for value in agree:
        kind, level = _classify(value)
        if kind != _LIKERT or isinstance(level, bool):
            raise SurveyError(
                f"{source}: agree level {value!r} is not on the scale; "
                "use numbers 1-5 or labels such as Strongly agree"
            )
        levels.add(int(level))  # type: ignore[arg-type]
    if not levels:
        raise SurveyError(f"{source}: agree names no levels; use e.g. 4,5 or 5")
    return frozenset(levels)


def _answers(values: pd.Series, column: str, source: str) -> tuple[str, pd.Series]:
    """Classify one statement's cells: its type and a Series of levels (None = not valid)."""
    classified = [_classify(v) for v in values]
    kinds = [k for k, _ in classified]
    likert, yes_no = kinds.count(_LIKERT), kinds.count(_YES_NO)
    kind = YES_NO if yes_no > likert else LIKERT
    wanted = _YES_NO if kind == YES_NO else _LIKERT
    rows = _row_numbers(values)
    bad = [
        f'row {row} "{value}"'
        for row, value, k in zip(rows, values, kinds, strict=True)
        if k not in (_MISSING, wanted)
    ]
    if bad:
        raise SurveyError(
            f'{source}: column "{column}" has values outside the scale: '
            f"{', '.join(bad)}; {_SCALE_HINT}"
        )
    levels = [level if k == wanted else None for k, level in classified]
    return kind, pd.Series(levels, index=values.index, dtype=object)


def _row_numbers(values: pd.Series) -> list[int]:
    # read_survey indexes by spreadsheet row; any other frame is taken to start at row 2.
    if values.index.name == "row" and pd.api.types.is_integer_dtype(values.index):
        return [int(r) for r in values.index]
    return list(range(2, len(values) + 2))


def _summarise(
    answers: pd.Series,
    kind: str,
    agree_levels: frozenset[int],
    disagree_levels: frozenset[int],
    confidence: float,
) -> dict[str, object]:
    valid = [a for a in answers if a is not None]
    n = len(valid)
    if kind == YES_NO:
        agreed = sum(1 for a in valid if a is True)
        disagreed = n - agreed
        neither = None
    else:
        agreed = sum(1 for a in valid if a in agree_levels)
        disagreed = sum(1 for a in valid if a in disagree_levels)
        neither = n - agreed - disagreed
    low, high = wilson_interval(agreed, n, confidence=confidence)
    if n == 0:
        label = "no valid answers"
    else:
        word = "yes" if kind == YES_NO else "agree"
        # The interval goes with the figure wherever it is pasted (halves rounded up).
        lo, hi = (percent(x).rstrip("%") for x in (low, high))
        label = f"{_percent(agreed, n)}% {word} (95% CI {lo}-{hi}%), n = {n}"
    return {
        "type": kind,
        "n": n,
        "excluded": len(answers) - n,
        "agree": agreed,
        "pct_agree": agreed / n if n else math.nan,
        "pct_neither": neither / n if n and neither is not None else math.nan,
        "pct_disagree": disagreed / n if n else math.nan,
        "ci_low": low,
        "ci_high": high,
        "label": label,
    }


def _percent(count: int, n: int) -> int:
    """Whole percent, halves rounded up, in exact integer arithmetic (1/8 -> 13)."""
    return (200 * count + n) // (2 * n)
