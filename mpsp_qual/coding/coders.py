"""Whose codings count: the one rule, stated once.

Every figure, sheet and quote bank counts one coder's codings. When none is named,
the default is ``consensus`` if it covers every participant segment, else the single
human coder who does, else ``auto``. A coder (or a consensus) that covers only a
reliability sample never becomes the default, since figures over all participants
would then count a sample as if it were everything. A coder covers a segment when
they have coded it (with or without applying a code). A coder who is named must have
codings or coded segments in the project.
"""

from __future__ import annotations

from mpsp_qual.core.errors import AnalysisError, MpspQualError
from mpsp_qual.core.model import AUTO_CODER, CONSENSUS_CODER
from mpsp_qual.store.db import Store

#: Coders who are not people: never the single human default.
NOT_HUMAN = frozenset({AUTO_CODER})


def coders(store: Store) -> list[str]:
    """Every coder with codings or coded segments, ``auto`` first."""
    return sorted(store.codings.coders(), key=lambda n: (n != AUTO_CODER, n))


def default_coder(store: Store) -> str:
    """Whose codings count when no coder is named (the rule in the module docstring)."""
    complete = store.codings.complete_coders()
    if CONSENSUS_CODER in complete:
        return CONSENSUS_CODER
    humans = sorted(complete - NOT_HUMAN - {CONSENSUS_CODER})
    if len(humans) == 1:
        return humans[0]
    return AUTO_CODER


def unknown_coder_message(coder: str, known: list[str]) -> str:
    """The one sentence for a coder the project does not have."""
    if known:
        return f"the project has no codings by coder {coder!r}; the coders are {', '.join(known)}."
    return (
        f"the project has no codings by coder {coder!r}; there are no coders yet "
        "(auto-code with {hint}, or import a coding sheet)."
    )


def resolve_coder(
    store: Store, coder: str | None = None, *, error: type[MpspQualError] = AnalysisError
) -> str:
    """``coder`` if the project has it, else (when None) the default coder.

    Raises:
        error: ``coder`` has neither codings nor coded segments in the project.
    """
    if coder is None:
        return default_coder(store)
    known = coders(store)
    if coder not in known:
        raise error(unknown_coder_message(coder, known), hint="autocode")
    return coder
