"""Evidence: why auto-coding applied a code, and how strongly it supports the coding.

Auto-coding keeps, with each coding, the list of keyword matches that made it (each
with its keyword, the matched text, its span, ``exact`` or ``fuzzy`` and a score). The
quote bank ranks candidate quotes by :func:`evidence_strength`, the one measure of it.
"""

from __future__ import annotations

from typing import Any


def matches(evidence: Any) -> list[dict]:
    """The match records of a coding's evidence (auto-coding keeps a list of them)."""
    if isinstance(evidence, list):
        return [m for m in evidence if isinstance(m, dict)]
    if isinstance(evidence, dict):
        for key in ("matches", "hits", "spans"):
            if isinstance(evidence.get(key), list):
                return [m for m in evidence[key] if isinstance(m, dict)]
    return []


def evidence_strength(evidence: Any) -> float:
    """How strongly a coding is evidenced: its matches, each weighted by its score.

    An exact keyword match counts 1, a fuzzy one its rapidfuzz score / 100, so several
    exact matches outweigh one fuzzy match; a coding without evidence (a human's
    judgement) counts 1.
    """
    found = matches(evidence)
    if not found:
        return 1.0
    total = 0.0
    for m in found:
        score = m.get("score", 100)
        total += float(score) / 100 if isinstance(score, (int, float)) else 1.0
    return round(total, 3)
