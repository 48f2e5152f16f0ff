"""Inter-coder reliability statistics over a units x coders table.

Every function takes a :class:`pandas.DataFrame` with one row per unit (a segment,
say) and one column per coder, holding the value each coder gave that unit: a
category label (``str`` or ``bool``) or a number, with ``NaN``/``None`` where a
coder did not rate the unit. Each returns a plain ``float``: percent agreement,
Cohen's kappa (two coders), Fleiss' kappa (a fixed number of ratings per unit) and
Krippendorff's alpha (any number of coders, missing ratings allowed, nominal to
ratio levels), with a bootstrap interval for alpha and Krippendorff's verdict on
it. When a statistic is undefined for the data given (too few coders or units, or
no variation to agree on) they raise :class:`~mpsp_qual.core.errors.ReliabilityError`
saying why, rather than return a made-up number or ``nan``.
"""

from __future__ import annotations

import numbers
from typing import Any

import krippendorff
import numpy as np
import pandas as pd

from mpsp_qual.analysis._bootstrap import Coincidences, bootstrap_alphas, rating_pairs
from mpsp_qual.core.errors import ReliabilityError

__all__ = [
    "LEVELS",
    "cohen_kappa",
    "fleiss_kappa",
    "fleiss_kappa_from_counts",
    "krippendorff_alpha",
    "krippendorff_alpha_ci",
    "percent_agreement",
    "verdict",
]

#: Levels of measurement that :func:`krippendorff_alpha` accepts.
LEVELS = ("nominal", "ordinal", "interval", "ratio")

#: Krippendorff's (2004, p. 241) thresholds: rely on data with alpha >= .800; draw
#: only tentative conclusions from data with .667 <= alpha < .800.
RELIABLE = 0.800
TENTATIVE = 0.667

#: Largest share of bootstrap resamples that may lack a defined alpha before
#: :func:`krippendorff_alpha_ci` refuses to give an interval.
MAX_UNDEFINED_SHARE = 0.10

# The krippendorff package builds units x values x values arrays; beyond this many
# cells alpha is computed by ``_bootstrap.Coincidences`` instead.
_PACKAGE_MAX_CELLS = 5_000_000


# -- Encoding the table -------------------------------------------------------------


def _as_table(table: Any) -> pd.DataFrame:
    frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(table)
    if frame.shape[1] < 2:
        raise ReliabilityError(
            f"agreement needs at least two coders; the table has {frame.shape[1]} coder column(s)"
        )
    return frame


def _is_number(value: Any) -> bool:
    return isinstance(value, (numbers.Real, np.bool_)) and not isinstance(value, str)


def _describe(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return repr(int(value))
    return repr(value.item() if isinstance(value, np.generic) else value)


def _ordered_categories(frame: pd.DataFrame) -> list[Any] | None:
    """The shared categories if every column is the same ordered Categorical, else None."""
    dtypes = list(frame.dtypes)
    if not all(isinstance(d, pd.CategoricalDtype) and d.ordered for d in dtypes):
        return None
    first = list(dtypes[0].categories)
    if any(list(d.categories) != first for d in dtypes[1:]):
        return None
    return first


def _encode(frame: pd.DataFrame, *, level: str) -> tuple[np.ndarray, list[Any]]:
    """Code the ratings as integers into a domain of values.

    Returns ``(codes, domain)``: ``codes`` is units x coders with -1 for a missing
    rating and otherwise an index into ``domain``. For the ordinal level the domain
    is in order (an ordered Categorical's order, or numeric order); for interval and
    ratio it holds the numbers themselves, sorted.
    """
    if level == "ordinal":
        categories = _ordered_categories(frame)
        if categories is not None:
            codes = np.column_stack([frame[c].cat.codes.to_numpy() for c in frame.columns])
            return codes.astype(np.int64), categories

    values = frame.astype(object).to_numpy()
    present = ~pd.isna(values)
    rated = values[present]
    numeric = all(_is_number(v) for v in rated)

    if level in ("ordinal", "interval", "ratio") and not numeric:
        example = next(v for v in rated if not _is_number(v))
        need = "numbers"
        if level == "ordinal":
            need += ", or ordered Categorical columns sharing the same categories"
        raise ReliabilityError(
            f"the {level} level needs ratings that are {need}; got labels such as "
            f"{_describe(example)}"
        )

    codes = np.full(values.shape, -1, dtype=np.int64)
    # Nominal booleans stay labels so that messages say False, not 0.
    if numeric and (level != "nominal" or not any(isinstance(v, (bool, np.bool_)) for v in rated)):
        as_float = np.asarray(rated, dtype=float)
        if not np.isfinite(as_float).all():
            bad = as_float[~np.isfinite(as_float)][0]
            raise ReliabilityError(f"ratings must be finite numbers; got {bad}")
        domain_values, inverse = np.unique(as_float, return_inverse=True)
        codes[present] = inverse
        if level == "ratio" and domain_values.size and domain_values[0] < 0:
            raise ReliabilityError(
                "the ratio level needs ratings of zero or more; got "
                f"{_describe(float(domain_values[0]))} (use the interval level instead)"
            )
        return codes, list(domain_values)

    inverse, uniques = pd.factorize(pd.Series(rated, dtype=object), sort=False)
    codes[present] = inverse
    return codes, list(uniques)


def _value_counts(codes: np.ndarray, n_values: int) -> np.ndarray:
    """Units x values matrix: how many coders gave each unit each value."""
    counts = np.zeros((codes.shape[0], n_values), dtype=np.int64)
    rows, cols = np.nonzero(codes >= 0)
    np.add.at(counts, (rows, codes[rows, cols]), 1)
    return counts


def _paired_units(codes: np.ndarray, *, what: str) -> np.ndarray:
    """Keep the units with two or more ratings, insisting that there are two such."""
    paired = codes[(codes >= 0).sum(axis=1) >= 2]
    if paired.shape[0] < 2:
        raise ReliabilityError(
            f"fewer than two units have ratings from at least two coders (found "
            f"{paired.shape[0]} of {codes.shape[0]}), so {what} cannot be estimated"
        )
    return paired


def _require_variation(codes: np.ndarray, domain: list[Any], *, stat: str, among: str = "") -> None:
    used = np.unique(codes[codes >= 0])
    if used.size < 2:
        numeric = bool(domain) and isinstance(domain[0], (float, np.floating))
        noun = "value" if numeric else "category"
        only = _describe(domain[used[0]]) if used.size else "none"
        raise ReliabilityError(
            f"{stat} is undefined: every rating{among} is the same {noun} ({only}), so "
            "there is no variation to agree or disagree on"
        )


# -- Percent agreement and kappas ---------------------------------------------------


def percent_agreement(table: Any) -> float:
    """Share of pairs of ratings of the same unit that agree.

    For each unit rated by ``m >= 2`` coders there are ``m * (m - 1) / 2`` pairs of
    coders; the result is the number of those pairs that gave the same value,
    summed over units, divided by the number of pairs, summed over units. Units
    with fewer than two ratings are ignored. With two coders this is simply the
    share of units (rated by both) on which they agree; with more coders, units
    rated by more coders weigh more because they contribute more pairs. Values
    are compared exactly (``1`` and ``1.0`` agree; ``"Yes"`` and ``"yes"`` do not).
    No allowance is made for chance agreement; see :func:`krippendorff_alpha`.

    Args:
        table: units x coders, one row per unit and one column per coder.

    Returns:
        The proportion of agreeing pairs, between 0 and 1.

    Raises:
        ReliabilityError: Fewer than two coders, or fewer than two units rated by
            at least two coders.

    Example:
        >>> percent_agreement(pd.DataFrame({"A": ["x", "x", "y"], "B": ["x", "y", "y"]}))
        0.6666666666666666
    """
    frame = _as_table(table)
    codes, domain = _encode(frame, level="nominal")
    _, first, second = rating_pairs(_paired_units(codes, what="agreement"))
    return float(np.mean(first == second))


def cohen_kappa(table: Any) -> float:
    """Cohen's (1960) kappa for exactly two coders.

    ``kappa = (p_o - p_e) / (1 - p_e)`` where ``p_o`` is the share of units on
    which the coders agree and ``p_e = sum_k p_A(k) * p_B(k)`` the agreement
    expected from each coder's own distribution of values. Units that either
    coder left unrated are dropped.

    Args:
        table: units x 2 coders.

    Returns:
        Kappa, 1 for perfect agreement, 0 for agreement at chance level.

    Raises:
        ReliabilityError: Not exactly two coders; fewer than two units rated by
            both; or kappa is undefined because both coders used one and the same
            category throughout (chance agreement is then 1).
    """
    frame = _as_table(table)
    if frame.shape[1] != 2:
        raise ReliabilityError(
            f"Cohen's kappa needs exactly two coders; the table has {frame.shape[1]} "
            "(use fleiss_kappa or krippendorff_alpha for more)"
        )
    codes, domain = _encode(frame, level="nominal")
    both = codes[(codes >= 0).all(axis=1)]
    names = " and ".join(repr(str(c)) for c in frame.columns)
    if both.shape[0] == 0:
        raise ReliabilityError(
            f"Cohen's kappa needs units rated by both coders; none of the "
            f"{frame.shape[0]} units is rated by both {names}"
        )
    if both.shape[0] < 2:
        raise ReliabilityError(
            f"fewer than two units are rated by both {names} (found 1), so kappa "
            "cannot be estimated"
        )
    n_values = len(domain)
    lone_vary = np.unique(codes[codes >= 0]).size > 1
    among = " of the units rated by both coders" if lone_vary else ""
    _require_variation(both, domain, stat="kappa", among=among)
    p_observed = float(np.mean(both[:, 0] == both[:, 1]))
    p_a = np.bincount(both[:, 0], minlength=n_values) / both.shape[0]
    p_b = np.bincount(both[:, 1], minlength=n_values) / both.shape[0]
    p_expected = float(p_a @ p_b)
    return (p_observed - p_expected) / (1.0 - p_expected)


def fleiss_kappa_from_counts(counts: Any) -> float:
    """Fleiss' (1971) kappa from a subjects x categories matrix of counts.

    Cell ``(i, j)`` is the number of raters who put subject ``i`` in category
    ``j``, the layout of Fleiss (1971, Table 1). Every row must sum to the same
    number of raters ``n >= 2``; the raters need not be the same people from one
    subject to the next. ``kappa = (P - P_e) / (1 - P_e)`` where ``P`` is the
    mean over subjects of the share of agreeing rater pairs and ``P_e`` the sum
    of squared overall category proportions.

    Args:
        counts: subjects x categories, non-negative whole numbers (a nested list,
            NumPy array or DataFrame).

    Returns:
        Kappa.

    Raises:
        ReliabilityError: The matrix is not a 2-D array of whole numbers; its rows
            sum to different totals or to fewer than two raters; there are fewer
            than two subjects; or every rating is in the same category.
    """
    matrix = np.asarray(counts, dtype=float)
    if matrix.ndim != 2 or matrix.shape[1] == 0:
        raise ReliabilityError(
            f"Fleiss' kappa needs a subjects x categories matrix of counts; got an "
            f"array of shape {matrix.shape}"
        )
    if not np.isfinite(matrix).all() or (matrix < 0).any() or (matrix % 1 != 0).any():
        raise ReliabilityError(
            "Fleiss' kappa needs counts that are whole numbers of zero or more in every cell"
        )
    if matrix.shape[0] < 2:
        raise ReliabilityError(
            f"fewer than two units to rate (found {matrix.shape[0]}), so kappa cannot be estimated"
        )
    raters = matrix.sum(axis=1)
    if (raters != raters[0]).any():
        totals = ", ".join(sorted({_describe(float(t)) for t in raters}))
        raise ReliabilityError(
            "Fleiss' kappa needs the same number of ratings for every unit; the "
            f"rows sum to {totals} (use krippendorff_alpha, which allows missing "
            "ratings)"
        )
    n = raters[0]
    if n < 2:
        raise ReliabilityError(
            f"Fleiss' kappa needs at least two ratings per unit; every row sums to "
            f"{_describe(float(n))}"
        )
    proportions = matrix.sum(axis=0) / matrix.sum()
    if np.count_nonzero(proportions) < 2:
        raise ReliabilityError(
            "kappa is undefined: every rating is the same category (column "
            f"{int(np.flatnonzero(proportions)[0])}), so there is no variation to "
            "agree or disagree on"
        )
    per_subject = ((matrix * matrix).sum(axis=1) - n) / (n * (n - 1))
    p_bar = per_subject.mean()
    p_expected = float((proportions**2).sum())
    return float((p_bar - p_expected) / (1.0 - p_expected))


def fleiss_kappa(table: Any) -> float:
    """Fleiss' (1971) kappa from a units x coders table.

    Counts each unit's ratings per category and applies
    :func:`fleiss_kappa_from_counts`. Fleiss' kappa assumes every unit has the
    same number of ratings, so a table with missing ratings is refused rather
    than silently trimmed; :func:`krippendorff_alpha` handles missing ratings.

    Args:
        table: units x coders, with no missing ratings.

    Returns:
        Kappa.

    Raises:
        ReliabilityError: Fewer than two coders; units with missing ratings;
            fewer than two units; or every rating is the same category.
    """
    frame = _as_table(table)
    codes, domain = _encode(frame, level="nominal")
    per_unit = (codes >= 0).sum(axis=1)
    short = np.flatnonzero(per_unit != frame.shape[1])
    if short.size:
        shown = ", ".join(repr(frame.index[i]) for i in short[:5])
        more = f" and {short.size - 5} more" if short.size > 5 else ""
        raise ReliabilityError(
            "Fleiss' kappa needs the same number of ratings for every unit, but "
            f"unit(s) {shown}{more} lack ratings from some of the {frame.shape[1]} "
            "coders (drop those units, or use krippendorff_alpha, which allows "
            "missing ratings)"
        )
    if codes.shape[0] >= 2:
        _require_variation(codes, domain, stat="kappa")
    return fleiss_kappa_from_counts(_value_counts(codes, len(domain)))


# -- Krippendorff's alpha -----------------------------------------------------------


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ReliabilityError(
            f"unknown level of measurement {level!r}; expected one of {', '.join(LEVELS)}"
        )


def _alpha_data(table: Any, level: str) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the units with two or more ratings, and the value domain for alpha."""
    _check_level(level)
    frame = _as_table(table)
    codes, domain = _encode(frame, level=level)
    paired = _paired_units(codes, what="alpha")
    # Lone ratings do not count; say so if they are what varies.
    lone_vary = np.unique(codes[codes >= 0]).size > 1
    among = " of the units rated by two or more coders" if lone_vary else ""
    _require_variation(paired, domain, stat="alpha", among=among)
    if level in ("interval", "ratio"):
        value_domain = np.asarray(domain, dtype=float)
    else:
        # The ordinal distance depends only on the order and frequencies of values,
        # so integer codes in order stand in for the labels.
        value_domain = np.arange(len(domain), dtype=float)
    return paired, value_domain


def krippendorff_alpha(table: Any, *, level: str = "nominal") -> float:
    """Krippendorff's alpha for any number of coders, allowing missing ratings.

    ``alpha = 1 - D_o / D_e``, observed over expected disagreement, computed by
    the ``krippendorff`` package from the coincidences of values within units
    (or, for numbers with very many distinct values, where that package would
    need units x values x values memory, by the same arithmetic as
    :func:`krippendorff_alpha_ci`). Units with fewer than two ratings carry no
    information and are ignored.

    For ``level="ordinal"`` the order of values is numeric order for numbers, or
    the order of the categories when every column is the same ordered
    ``pandas.Categorical``; unordered labels are refused. ``interval`` and
    ``ratio`` need numbers (``ratio`` needs them to be zero or more).

    Args:
        table: units x coders, ``NaN``/``None`` for missing ratings.
        level: ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``.

    Returns:
        Alpha: 1 for perfect agreement, 0 for agreement at chance level.

    Raises:
        ReliabilityError: An unknown level; ratings unsuited to the level; fewer
            than two coders; fewer than two units rated by at least two coders; or
            alpha is undefined because every rating is the same value.

    Example:
        >>> ratings = pd.DataFrame({"A": [1, 2, 3, 3], "B": [1, 2, 3, 4]})
        >>> round(krippendorff_alpha(ratings, level="interval"), 3)
        0.889
    """
    codes, value_domain = _alpha_data(table, level)
    n_values = value_domain.size
    if codes.shape[0] * n_values * n_values > _PACKAGE_MAX_CELLS:
        weights = np.ones((1, codes.shape[0]))
        return float(Coincidences(codes, value_domain, level).alphas(weights)[0])
    return float(
        krippendorff.alpha(
            value_counts=_value_counts(codes, n_values),
            value_domain=value_domain,
            level_of_measurement=level,
        )
    )


def krippendorff_alpha_ci(
    table: Any,
    *,
    level: str = "nominal",
    n_boot: int = 1000,
    seed: int | np.random.Generator | None = None,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Bootstrap confidence interval for Krippendorff's alpha.

    A percentile bootstrap over units: draw as many units as there are (units
    with two or more ratings), with replacement, ``n_boot`` times; compute alpha
    for each resample; and report the ``(1 - confidence) / 2`` and
    ``(1 + confidence) / 2`` quantiles of those alphas. Resampling whole units
    keeps each unit's ratings together, so the interval reflects the sampling of
    units, not of coders. (Hayes & Krippendorff's 2007 KALPHA macro bootstraps
    differently, so its intervals will not match these exactly.) A resample
    in which every rating is the same value has no defined alpha; leaving such
    resamples out would bias the interval, so if they are more than
    ``MAX_UNDEFINED_SHARE`` (10%) of the resamples an error is raised (too few
    units vary for an interval), and otherwise they are left out. The interval
    need not be centred on :func:`krippendorff_alpha`, and is only as good as
    the units are a random sample of the units one wants to generalise to.

    Args:
        table: units x coders, ``NaN``/``None`` for missing ratings.
        level: ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``.
        n_boot: number of resamples.
        seed: seed for :func:`numpy.random.default_rng` (or a Generator); the same
            seed gives the same interval.
        confidence: coverage of the interval, strictly between 0 and 1.

    Returns:
        ``(low, high)``.

    Raises:
        ReliabilityError: Any reason :func:`krippendorff_alpha` would raise; a bad
            ``n_boot`` or ``confidence``; or alpha undefined in more than 10% of
            the resamples.

    Example:
        >>> ratings = pd.DataFrame({"A": [1, 2, 3, 3, 2], "B": [1, 2, 3, 4, 2]})
        >>> low, high = krippendorff_alpha_ci(ratings, level="interval", seed=1)
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, numbers.Integral) or n_boot < 1:
        raise ReliabilityError(f"n_boot must be a whole number of at least 1; got {n_boot!r}")
    if not 0 < confidence < 1:
        raise ReliabilityError(
            f"confidence must be strictly between 0 and 1 (e.g. 0.95); got {confidence!r}"
        )
    codes, value_domain = _alpha_data(table, level)
    rng = np.random.default_rng(seed)
    alphas = bootstrap_alphas(codes, value_domain, level, n_boot=int(n_boot), rng=rng)
    defined = alphas[~np.isnan(alphas)]
    if alphas.size - defined.size > MAX_UNDEFINED_SHARE * alphas.size:
        raise ReliabilityError(
            f"alpha is undefined in {alphas.size - defined.size} of {alphas.size} "
            "bootstrap resamples (every rating the same value), so too few units "
            "vary for a confidence interval"
        )
    tail = (1 - confidence) / 2
    low, high = np.quantile(defined, [tail, 1 - tail])
    return float(low), float(high)


def verdict(alpha: float) -> str:
    """Krippendorff's verdict on an alpha.

    Krippendorff (2004, p. 241) advises relying only on variables with
    ``alpha >= .800`` and drawing tentative conclusions from those with
    ``.667 <= alpha < .800``. The comparison is on the value as given, unrounded.

    Args:
        alpha: a Krippendorff's alpha.

    Returns:
        ``"reliable"``, ``"tentative"`` or ``"not reliable"``.

    Raises:
        ReliabilityError: ``alpha`` is not a number (``nan``).

    Example:
        >>> verdict(0.743)
        'tentative'
    """
    if alpha != alpha:  # nan is the only value unequal to itself
        raise ReliabilityError("cannot give a verdict on alpha = nan; alpha is undefined")
    if alpha >= RELIABLE:
        return "reliable"
    if alpha >= TENTATIVE:
        return "tentative"
    return "not reliable"
