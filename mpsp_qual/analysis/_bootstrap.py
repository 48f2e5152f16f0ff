"""Bootstrap internals of ``reliability``: Krippendorff's alpha for many resamples at once.

``Coincidences`` keeps Krippendorff's coincidences as weighted pairs of values within
units, so that alpha can be recomputed for any weighting of the units (how often each
was drawn in a resample) without the units x values x values arrays the
``krippendorff`` package builds; ``bootstrap_alphas`` draws the resamples in blocks and
returns one alpha per resample, and ``reliability.krippendorff_alpha`` uses the same
arithmetic for tables too large for the package. Ratings come in as ``reliability``
encodes them: a units x coders array of integer codes (-1 for a missing rating) into
a value domain. Not part of the public API; use :mod:`mpsp_qual.analysis.reliability`.
"""

from __future__ import annotations

import numpy as np

from mpsp_qual.core.errors import ReliabilityError

__all__ = ["Coincidences", "bootstrap_alphas", "rating_pairs"]

# Resamples are processed in blocks so that the (resamples x units) weights and
# other temporaries stay small however many units there are.
_BOOT_BLOCK_CELLS = 2_000_000

# Draw pattern counts when there are at least this many units per distinct pattern.
_GROUP_FACTOR = 4

# Expected disagreement at the ratio level needs a values x values matrix.
_RATIO_MAX_VALUES = 3_000


def rating_pairs(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ordered pair of two coders' ratings of one unit: (unit, first, second)."""
    n_coders = codes.shape[1]
    left, right = np.nonzero(~np.eye(n_coders, dtype=bool))
    first, second = codes[:, left], codes[:, right]
    both = (first >= 0) & (second >= 0)
    unit = np.broadcast_to(np.arange(codes.shape[0])[:, None], first.shape)
    return unit[both], first[both], second[both]


def _ratio_distance(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    total = v + w
    ratio = np.divide(v - w, total, out=np.zeros(np.broadcast(v, w).shape), where=total != 0)
    return ratio**2


class Coincidences:
    """Krippendorff's coincidences kept as weighted pairs of values within units.

    A unit rated by ``m`` coders adds ``1 / (m - 1)`` to ``o[c, k]`` for each
    ordered pair of its ratings (by different coders) valued ``c`` and ``k``.
    Keeping the pairs rather than a units x values x values array lets alpha be
    recomputed cheaply for any weighting of the units (how often each was drawn
    in a bootstrap resample) at a cost of units x coders^2, however many distinct
    values there are. With ``n_v`` the total of value ``v`` and ``n`` of all
    values, ``alpha = 1 - (n - 1) * sum(o * d) / sum_ck(n_c * n_k * d_ck)``.
    """

    def __init__(self, codes: np.ndarray, value_domain: np.ndarray, level: str) -> None:
        if level == "ratio" and value_domain.size > _RATIO_MAX_VALUES:
            raise ReliabilityError(
                f"the ratio level is limited to {_RATIO_MAX_VALUES} distinct values; the "
                f"ratings have {value_domain.size} (round them, or use the interval level)"
            )
        self.level = level
        self.values = value_domain
        self.pair_unit, self.first, self.second = rating_pairs(codes)
        per_unit = (codes >= 0).sum(axis=1)
        self.pair_weight = 1.0 / (per_unit[self.pair_unit] - 1)
        self.rating_unit, coder = np.nonzero(codes >= 0)
        self.rating_value = codes[self.rating_unit, coder]
        first, second = value_domain[self.first], value_domain[self.second]
        pair_distance = {
            "nominal": (first != second).astype(float),
            "interval": (first - second) ** 2,
            "ratio": _ratio_distance(first, second),
            "ordinal": np.zeros_like(self.pair_weight),  # depends on the weighting
        }[level]
        self.unit_disagreement = np.bincount(
            self.pair_unit, weights=pair_distance * self.pair_weight, minlength=codes.shape[0]
        )
        if level == "ratio":
            self.ratio_distances = _ratio_distance(value_domain[:, None], value_domain[None, :])

    def cells_per_weighting(self) -> int:
        """Rough size of the temporaries for one row of weights."""
        return max(self.unit_disagreement.size, self.pair_unit.size, self.values.size)

    def alphas(self, weights: np.ndarray) -> np.ndarray:
        """Alpha for each row of ``weights`` (resamples x units); nan where undefined."""
        size, n_values = weights.shape[0], self.values.size
        # A unit's row of coincidences sums to its own counts of values.
        bins = (np.arange(size)[:, None] * n_values + self.rating_value).ravel()
        n_v = np.bincount(
            bins, weights=weights[:, self.rating_unit].ravel(), minlength=size * n_values
        ).reshape(size, n_values)
        n = n_v.sum(axis=1)
        positions = self.values[None, :]
        if self.level == "ordinal":
            # Krippendorff's ordinal distance (sum_{g=c..k} n_g - (n_c + n_k) / 2) ** 2
            # is the squared difference of mid-ranks cumsum(n_v) - n_v / 2, which
            # depend on the weighting.
            positions = np.cumsum(n_v, axis=1) - n_v / 2
            pair_d = (positions[:, self.first] - positions[:, self.second]) ** 2
            observed = (weights[:, self.pair_unit] * (self.pair_weight * pair_d)).sum(axis=1)
        else:
            observed = weights @ self.unit_disagreement
        if self.level == "nominal":
            expected = n * n - (n_v * n_v).sum(axis=1)
        elif self.level == "ratio":
            expected = ((n_v @ self.ratio_distances) * n_v).sum(axis=1)
        else:
            # sum_ck n_c n_k (x_c - x_k)^2 == 2 n sum_c n_c (x_c - mean)^2, centred for accuracy.
            mean = (n_v * positions).sum(axis=1, keepdims=True) / n[:, None]
            expected = 2 * n * (n_v * (positions - mean) ** 2).sum(axis=1)
        # Decide "no variation" by counting values, not by a rounding-prone zero.
        varied = np.count_nonzero(n_v, axis=1) >= 2
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(varied, 1.0 - (n - 1) * observed / expected, np.nan)


def bootstrap_alphas(
    codes: np.ndarray,
    value_domain: np.ndarray,
    level: str,
    *,
    n_boot: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Alpha for each of ``n_boot`` resamples of units; nan where undefined.

    Units with the same ratings contribute the same coincidences, so when many units
    share a pattern (presence/absence of a code by two coders has at most nine) a
    resample is drawn as multinomial counts of the patterns, which has the same
    distribution as drawing units with replacement and costs patterns, not units.
    """
    n_units = codes.shape[0]
    patterns, counts = np.unique(codes, axis=0, return_counts=True)
    grouped = patterns.shape[0] * _GROUP_FACTOR <= n_units
    rows = patterns if grouped else codes
    coincidences = Coincidences(rows, value_domain, level)
    alphas = np.empty(n_boot)
    block = max(1, _BOOT_BLOCK_CELLS // coincidences.cells_per_weighting())
    for start in range(0, n_boot, block):
        size = min(block, n_boot - start)
        if grouped:
            weights = rng.multinomial(n_units, counts / n_units, size=size).astype(float)
        else:
            drawn = rng.integers(0, n_units, size=(size, n_units))
            offsets = (np.arange(size) * n_units)[:, None]
            weights = (
                np.bincount((drawn + offsets).ravel(), minlength=size * n_units)
                .reshape(size, n_units)
                .astype(float)
            )
        alphas[start : start + size] = coincidences.alphas(weights)
    return alphas
