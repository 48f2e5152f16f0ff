"""Tests for mpsp_qual.analysis.reliability against published worked examples."""

from __future__ import annotations

import re

import krippendorff
import numpy as np
import pandas as pd
import pytest

from mpsp_qual.analysis.reliability import (
    cohen_kappa,
    fleiss_kappa,
    fleiss_kappa_from_counts,
    krippendorff_alpha,
    krippendorff_alpha_ci,
    percent_agreement,
    verdict,
)
from mpsp_qual.core.errors import ReliabilityError

NA = np.nan

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg
# School for Communication, University of Pennsylvania, section C ("Nominal data,
# any number of observers, missing data"), reused for the other metrics in
# sections D-F. Four observers A-D, twelve units, "." (here NA) = not coded.
KRIPPENDORFF_2011 = pd.DataFrame(
    {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
        "C": [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
    },
    index=range(1, 13),
)

# Same paper, section A ("Binary data, two observers, no missing data"): ten units.
KRIPPENDORFF_2011_BINARY = pd.DataFrame(
    {"A": [0, 1, 0, 0, 0, 0, 0, 0, 1, 0], "B": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]}
)

# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
# Psychological Bulletin 76(5), 378-382; the worked example as reproduced on
# Wikipedia's "Fleiss' kappa" page: 10 subjects, 14 raters, 5 categories, kappa = 0.210.
FLEISS_1971_COUNTS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def _cohen_textbook() -> pd.DataFrame:
    """Wikipedia, "Cohen's kappa", simple example: 50 proposals read by A and B.

    Both yes 20, A yes / B no 5, A no / B yes 10, both no 15; p_o = 0.70,
    p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.50, kappa = 0.40.
    """
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    return pd.DataFrame(pairs, columns=["A", "B"])


def _expand_counts(counts: list[list[int]]) -> pd.DataFrame:
    """A units x raters table whose rows hold each category as often as counted."""
    rows = [[f"cat{j + 1}" for j, n in enumerate(row) for _ in range(n)] for row in counts]
    return pd.DataFrame(rows, columns=[f"r{i + 1}" for i in range(len(rows[0]))])


def _simulated(n_units: int, *, seed: int) -> pd.DataFrame:
    """Two coders who agree on about 80% of units, choosing among four categories."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, n_units)
    other = np.where(rng.random(n_units) < 0.8, truth, rng.integers(0, 4, n_units))
    return pd.DataFrame({"A": truth, "B": other})


# -- Published values ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "published"),
    [
        pytest.param("nominal", 0.743, id="nominal-0.743"),
        pytest.param("ordinal", 0.815, id="ordinal-0.815"),
        pytest.param("interval", 0.849, id="interval-0.849"),
        pytest.param("ratio", 0.797, id="ratio-0.797"),
    ],
)
def test_krippendorff_2011_alpha(level: str, published: float) -> None:
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level=level), 3) == published


def test_krippendorff_2011_alpha_with_labels() -> None:
    # The same data as labels: nominal needs no order; ordinal takes the order of
    # an ordered Categorical, not alphabetical order.
    scale = ["very low", "low", "mid", "high", "very high"]
    labels = KRIPPENDORFF_2011.apply(
        lambda col: col.map(lambda v: scale[int(v) - 1], na_action="ignore")
    )
    assert round(krippendorff_alpha(labels, level="nominal"), 3) == 0.743
    ordered = labels.astype(pd.CategoricalDtype(scale, ordered=True))
    assert round(krippendorff_alpha(ordered, level="ordinal"), 3) == 0.815


def test_krippendorff_2011_binary_alpha() -> None:
    # Krippendorff (2011), section A: alpha = 0.095.
    assert round(krippendorff_alpha(KRIPPENDORFF_2011_BINARY), 3) == 0.095


def test_cohen_textbook_kappa_and_agreement() -> None:
    table = _cohen_textbook()
    assert cohen_kappa(table) == pytest.approx(0.40)
    assert percent_agreement(table) == pytest.approx(0.70)


def test_cohen_kappa_drops_units_either_coder_missed() -> None:
    padded = pd.concat(
        [_cohen_textbook(), pd.DataFrame({"A": ["yes", None, NA], "B": [None, "no", NA]})],
        ignore_index=True,
    )
    assert cohen_kappa(padded) == pytest.approx(0.40)
    assert percent_agreement(padded) == pytest.approx(0.70)


def test_fleiss_1971_from_counts() -> None:
    assert round(fleiss_kappa_from_counts(FLEISS_1971_COUNTS), 3) == 0.210


def test_fleiss_1971_from_table() -> None:
    table = _expand_counts(FLEISS_1971_COUNTS)
    assert table.shape == (10, 14)
    assert round(fleiss_kappa(table), 3) == 0.210


def test_percent_agreement_pools_pairs_over_units() -> None:
    # Worked by hand on Krippendorff's (2011) data: unit 12 has one rating and is
    # ignored; units 1-11 have 3+6+6+6+6+6+6+6+6+3+1 = 55 coder pairs, of which
    # 3+3+6+6+6+0+6+3+6+3+1 = 43 agree.
    assert percent_agreement(KRIPPENDORFF_2011) == pytest.approx(43 / 55)


@pytest.mark.parametrize(
    ("alpha", "expected"),
    [
        pytest.param(1.0, "reliable", id="perfect"),
        pytest.param(0.800, "reliable", id="at-0.800"),
        pytest.param(0.7999, "tentative", id="just-below-0.800"),
        pytest.param(0.667, "tentative", id="at-0.667"),
        pytest.param(0.6669, "not reliable", id="just-below-0.667"),
        pytest.param(-0.2, "not reliable", id="negative"),
    ],
)
def test_verdict(alpha: float, expected: str) -> None:
    assert verdict(alpha) == expected


# -- Bootstrap interval -------------------------------------------------------------


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_ci_contains_estimate_and_is_reproducible(level: str) -> None:
    table = _simulated(200, seed=3)
    low, high = krippendorff_alpha_ci(table, level=level, seed=42)
    assert -1.0 <= low <= krippendorff_alpha(table, level=level) <= high <= 1.0
    assert krippendorff_alpha_ci(table, level=level, seed=42) == (low, high)
    assert krippendorff_alpha_ci(table, level=level, seed=43) != (low, high)


def test_ci_on_published_data() -> None:
    low, high = krippendorff_alpha_ci(KRIPPENDORFF_2011, seed=0)
    assert -1.0 <= low <= 0.743 <= high <= 1.0


def test_ci_narrows_with_more_units() -> None:
    widths = []
    for n_units in (50, 800):
        low, high = krippendorff_alpha_ci(_simulated(n_units, seed=7), seed=1)
        widths.append(high - low)
    assert widths[1] < widths[0] / 2


def test_ci_wider_at_higher_confidence() -> None:
    table = _simulated(100, seed=5)
    low90, high90 = krippendorff_alpha_ci(table, seed=2, confidence=0.90)
    low99, high99 = krippendorff_alpha_ci(table, seed=2, confidence=0.99)
    assert low99 <= low90 and high90 <= high99


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_bootstrap_resample_matches_package(level: str) -> None:
    # The fast coincidence arithmetic must give, for each resample of units, what
    # the krippendorff package gives for the same units.
    from mpsp_qual.analysis._bootstrap import Coincidences as _Coincidences
    from mpsp_qual.analysis.reliability import _alpha_data, _value_counts

    codes, domain = _alpha_data(KRIPPENDORFF_2011, level)
    counts = _value_counts(codes, domain.size)
    drawn = np.random.default_rng(9).integers(0, len(codes), size=(30, len(codes)))
    weights = np.stack([np.bincount(row, minlength=len(codes)) for row in drawn])
    fast = _Coincidences(codes, domain, level).alphas(weights.astype(float))
    for alpha, units in zip(fast, drawn, strict=True):
        sample = counts[units]
        if np.count_nonzero(sample.sum(axis=0)) < 2:
            assert np.isnan(alpha)
            continue
        expected = krippendorff.alpha(
            value_counts=sample, value_domain=domain, level_of_measurement=level
        )
        assert alpha == pytest.approx(expected)


@pytest.mark.parametrize(
    ("level", "published"),
    [
        pytest.param("nominal", 0.743, id="nominal-0.743"),
        pytest.param("ordinal", 0.815, id="ordinal-0.815"),
        pytest.param("interval", 0.849, id="interval-0.849"),
        pytest.param("ratio", 0.797, id="ratio-0.797"),
    ],
)
def test_krippendorff_2011_alpha_without_package(
    level: str, published: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Many distinct values make the package's arrays too big, and alpha is then
    # computed by our own arithmetic; it too must reproduce Krippendorff (2011).
    monkeypatch.setattr("mpsp_qual.analysis.reliability._PACKAGE_MAX_CELLS", 0)
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level=level), 3) == published


# -- Degenerate cases ---------------------------------------------------------------

ONE_CODER = pd.DataFrame({"A": ["x", "y", "x"]})
ONE_PAIRED_UNIT = pd.DataFrame({"A": ["x", "y", None], "B": ["x", None, "y"]})
NOBODY_APPLIED = pd.DataFrame({"A": [False] * 5, "B": [False] * 5})
ALL_THREE = pd.DataFrame({"A": [3, 3, 3, NA], "B": [3, 3, 3, 3]})


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda: percent_agreement(ONE_CODER), "at least two coders", id="agreement-one-coder"
        ),
        pytest.param(lambda: cohen_kappa(ONE_CODER), "at least two coders", id="cohen-one-coder"),
        pytest.param(lambda: fleiss_kappa(ONE_CODER), "at least two coders", id="fleiss-one-coder"),
        pytest.param(
            lambda: krippendorff_alpha(ONE_CODER), "at least two coders", id="alpha-one-coder"
        ),
        pytest.param(
            lambda: percent_agreement(ONE_PAIRED_UNIT),
            "fewer than two units have ratings from at least two coders (found 1 of 3)",
            id="agreement-one-unit",
        ),
        pytest.param(
            lambda: krippendorff_alpha(ONE_PAIRED_UNIT),
            "fewer than two units have ratings from at least two coders (found 1 of 3)",
            id="alpha-one-unit",
        ),
        pytest.param(
            lambda: percent_agreement(pd.DataFrame({"A": [], "B": []})),
            "fewer than two units",
            id="agreement-empty",
        ),
        pytest.param(
            lambda: cohen_kappa(ONE_PAIRED_UNIT),
            "fewer than two units are rated by both 'A' and 'B'",
            id="cohen-one-unit",
        ),
        pytest.param(
            lambda: cohen_kappa(pd.DataFrame({"A": ["x", None], "B": [None, "y"]})),
            "none of the 2 units is rated by both 'A' and 'B'",
            id="cohen-no-common-units",
        ),
        pytest.param(
            lambda: cohen_kappa(KRIPPENDORFF_2011),
            "Cohen's kappa needs exactly two coders; the table has 4",
            id="cohen-four-coders",
        ),
        pytest.param(
            lambda: cohen_kappa(NOBODY_APPLIED),
            "kappa is undefined: every rating is the same category (False)",
            id="cohen-code-nobody-applied",
        ),
        pytest.param(
            lambda: fleiss_kappa(NOBODY_APPLIED),
            "kappa is undefined: every rating is the same category (False)",
            id="fleiss-code-nobody-applied",
        ),
        pytest.param(
            lambda: fleiss_kappa_from_counts([[3, 0], [3, 0]]),
            "kappa is undefined: every rating is the same category (column 0)",
            id="fleiss-counts-one-category",
        ),
        pytest.param(
            lambda: fleiss_kappa(KRIPPENDORFF_2011),
            "Fleiss' kappa needs the same number of ratings for every unit, but unit(s) "
            "1, 10, 11, 12 lack ratings",
            id="fleiss-missing-ratings",
        ),
        pytest.param(
            lambda: fleiss_kappa_from_counts([[2, 1], [1, 1]]),
            "needs the same number of ratings for every unit; the rows sum to 2, 3",
            id="fleiss-counts-unequal-rows",
        ),
        pytest.param(
            lambda: fleiss_kappa_from_counts([[1, 0], [0, 1]]),
            "needs at least two ratings per unit",
            id="fleiss-counts-one-rater",
        ),
        pytest.param(
            lambda: fleiss_kappa_from_counts([[2, 0]]),
            "fewer than two units",
            id="fleiss-counts-one-unit",
        ),
        pytest.param(
            lambda: fleiss_kappa_from_counts([[1.5, 0.5], [2, 0]]),
            "whole numbers",
            id="fleiss-counts-fractions",
        ),
        pytest.param(
            lambda: krippendorff_alpha(NOBODY_APPLIED),
            "alpha is undefined: every rating is the same category (False)",
            id="alpha-code-nobody-applied",
        ),
        pytest.param(
            lambda: krippendorff_alpha(ALL_THREE, level="interval"),
            "alpha is undefined: every rating is the same value (3)",
            id="alpha-no-variation-numeric",
        ),
        pytest.param(
            lambda: krippendorff_alpha(KRIPPENDORFF_2011, level="circular"),
            "unknown level of measurement 'circular'; expected one of nominal, ordinal, "
            "interval, ratio",
            id="alpha-unknown-level",
        ),
        pytest.param(
            lambda: krippendorff_alpha(NOBODY_APPLIED.replace(False, "no"), level="interval"),
            "the interval level needs ratings that are numbers; got labels such as 'no'",
            id="alpha-interval-labels",
        ),
        pytest.param(
            lambda: krippendorff_alpha(
                pd.DataFrame({"A": ["lo", "hi"], "B": ["hi", "hi"]}), level="ordinal"
            ),
            "ordered Categorical columns sharing the same categories",
            id="alpha-ordinal-unordered-labels",
        ),
        pytest.param(
            lambda: krippendorff_alpha(pd.DataFrame({"A": [-1, 2], "B": [1, 2]}), level="ratio"),
            "the ratio level needs ratings of zero or more; got -1",
            id="alpha-ratio-negative",
        ),
        pytest.param(
            lambda: krippendorff_alpha(
                pd.DataFrame({"A": np.arange(1600.0), "B": np.arange(1600.0) + 0.5}),
                level="ratio",
            ),
            "the ratio level is limited to 3000 distinct values; the ratings have 3200",
            id="alpha-ratio-too-many-values",
        ),
        pytest.param(
            lambda: krippendorff_alpha(pd.DataFrame({"A": [1.0, np.inf], "B": [1.0, 2.0]})),
            "ratings must be finite numbers; got inf",
            id="alpha-infinite-rating",
        ),
        pytest.param(
            lambda: krippendorff_alpha_ci(KRIPPENDORFF_2011, level="circular"),
            "unknown level of measurement",
            id="ci-unknown-level",
        ),
        pytest.param(
            lambda: krippendorff_alpha_ci(KRIPPENDORFF_2011, n_boot=0),
            "n_boot must be a whole number of at least 1",
            id="ci-no-resamples",
        ),
        pytest.param(
            lambda: krippendorff_alpha_ci(KRIPPENDORFF_2011, confidence=95),
            "confidence must be strictly between 0 and 1",
            id="ci-confidence-as-percent",
        ),
        pytest.param(
            # One varied unit among twenty: about a third of resamples miss it.
            lambda: krippendorff_alpha_ci(
                pd.DataFrame({"A": ["x"] * 19 + ["x"], "B": ["x"] * 19 + ["y"]}), seed=0
            ),
            "too few units vary for a confidence interval",
            id="ci-mostly-undefined",
        ),
        pytest.param(lambda: verdict(float("nan")), "alpha is undefined", id="verdict-nan"),
    ],
)
def test_degenerate_cases_raise(call, message: str) -> None:
    with pytest.raises(ReliabilityError, match=re.escape(message)):
        call()


def test_no_variation_message_names_the_units_counted() -> None:
    # Only the lone rating (unit 3, coder B) differs, and alpha ignores it.
    table = pd.DataFrame({"A": ["x", "x", None], "B": ["x", "x", "y"]})
    expected = (
        "alpha is undefined: every rating of the units rated by two or more coders "
        "is the same category ('x')"
    )
    with pytest.raises(ReliabilityError, match=re.escape(expected)):
        krippendorff_alpha(table)
    expected = (
        "kappa is undefined: every rating of the units rated by both coders "
        "is the same category ('x')"
    )
    with pytest.raises(ReliabilityError, match=re.escape(expected)):
        cohen_kappa(table)


@pytest.mark.parametrize(
    "dtype",
    [pytest.param("boolean", id="nullable-boolean"), pytest.param(object, id="object-bool")],
)
def test_boolean_codings(dtype) -> None:
    # Codings of one code as applied / not applied, one coder missing a unit.
    table = pd.DataFrame(
        {"A": [True, True, False, None, False], "B": [True, False, False, True, False]}
    ).astype(dtype)
    assert percent_agreement(table) == pytest.approx(3 / 4)
    # Units 1-3 and 5: p_o = 3/4; p_A(True) = 1/2, p_B(True) = 1/4, p_e = 1/8 + 3/8 = 1/2.
    assert cohen_kappa(table) == pytest.approx(0.5)


def test_many_distinct_values_use_little_memory() -> None:
    # 3,000 units x 3,000+ distinct values would need a units x values x values
    # array in the krippendorff package; here it is computed from pairs of ratings.
    rng = np.random.default_rng(4)
    truth = rng.normal(size=3000)
    table = pd.DataFrame({"A": truth, "B": truth + rng.normal(scale=0.1, size=3000)})
    alpha = krippendorff_alpha(table, level="interval")
    low, high = krippendorff_alpha_ci(table, level="interval", n_boot=200, seed=0)
    # Two coders, no missing values: o holds each unit's pair in both orders, so
    # alpha = 1 - (n - 1) * 2 * sum((a - b)^2) / sum_ij (x_i - x_j)^2 over all n = 2N
    # values x, and sum_ij (x_i - x_j)^2 = 2 n sum (x - mean)^2.
    values = np.concatenate([table["A"], table["B"]])
    n = values.size
    by_hand = 1 - (n - 1) * 2 * ((table["A"] - table["B"]) ** 2).sum() / (
        2 * n * ((values - values.mean()) ** 2).sum()
    )
    assert alpha == pytest.approx(by_hand)
    assert alpha == pytest.approx(1 - 0.01 / 2.01, abs=0.002)
    assert low <= alpha <= high


def test_bootstrap_by_pattern_counts_matches_resampling_units(monkeypatch):
    """Drawing multinomial counts of rating patterns is the same bootstrap as drawing
    units; the two intervals agree within Monte Carlo error on presence/absence data."""
    from mpsp_qual.analysis import _bootstrap

    rng = np.random.default_rng(3)
    a = rng.random(400) < 0.3
    b = np.where(rng.random(400) < 0.85, a, ~a)
    table = pd.DataFrame({"a": a, "b": b})
    grouped = krippendorff_alpha_ci(table, n_boot=4000, seed=1)
    monkeypatch.setattr(_bootstrap, "_GROUP_FACTOR", 10**9)  # force unit resampling
    by_unit = krippendorff_alpha_ci(table, n_boot=4000, seed=1)
    assert grouped != by_unit  # the two paths really differ
    assert abs(grouped[0] - by_unit[0]) < 0.02 and abs(grouped[1] - by_unit[1]) < 0.02
