"""Redaction of quote text: names and organisations become ``[name]`` / ``[organisation]``.

The terms are every name and organisation in the register plus an optional redact
file (:func:`project_redactor`, :func:`read_redact_file`). A :class:`Redactor` matches
each term as whole words, case-insensitively and with a possessive kept, and also a
person's first and last names and an organisation's distinctive and leading words on
their own; a part that is an ordinary English word (:func:`common_words`, from
spacy-lookups-data) is treated with care, and a word close to a redacted one
(rapidfuzz) is taken for a misspelling of it. An organisation is also found written
as one word or split in two ("Orrinvale" for "Orrin Vale", "Kestrel Mead" for
"Kestrelmead").
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from rapidfuzz import fuzz, process

from mpsp_qual.core.errors import InputError
from mpsp_qual.core.model import PathLike

#: A token within this rapidfuzz ratio of a redacted word counts as a misspelling of it.
FUZZY_THRESHOLD = 85
#: The same for a person's name, lower so that one wrong letter in a name of five or six
#: letters counts ("Ramen" for "Raman" and "Nwosa" for "Nwosu" are 80, "Okafur" for
#: "Okafor" 83); ordinary English words are kept out unless capitalised as a name is.
NAME_FUZZY_THRESHOLD = 80
#: An organisation's word at least this long is also found split in two ("Kestrel Mead").
SPLIT_MIN_LENGTH = 6
#: Fuzzy matching only compares tokens (and redacted words) at least this long.
FUZZY_MIN_LENGTH = 5
#: A word at least this probable in English (spaCy's lexeme_prob) is an ordinary word.
COMMON_LOG_PROB = -15.5
#: Words of organisation names that are never redacted on their own.
ORG_GENERIC = frozenset(
    [
        "the",
        "of",
        "and",
        "for",
        "cic",
        "ltd",
        "limited",
        "plc",
        "llp",
        "cio",
        "inc",
        "co",
        "nhs",
        "trust",
        "foundation",
        "group",
    ]
)
NAME_TITLES = frozenset(["mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame"])
PLACEHOLDER = {"name": "[name]", "organisation": "[organisation]"}


@functools.lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Lower-case English words common enough to be ordinary words, not names.

    From the ``en_lexeme_prob`` table of spacy-lookups-data (read once per process).
    """
    path = files("spacy_lookups_data") / "data" / "en_lexeme_prob.json.gz"
    with path.open("rb") as raw, gzip.open(raw) as handle:
        probs = json.load(handle)
    return frozenset(w for w, p in probs.items() if p >= COMMON_LOG_PROB)


@dataclass(frozen=True)
class RedactTerm:
    """A name or organisation to redact, as the register or a redact file gives it."""

    text: str
    kind: str  # "name" or "organisation"


def read_redact_file(path: PathLike) -> list[RedactTerm]:
    """Read a redact list: one term per line.

    A line ``org: Hartwell Health`` (or ``organisation:``) is an organisation and
    becomes ``[organisation]``; ``name: Ben Hart`` or a bare line is a person's name
    and becomes ``[name]``. Blank lines and lines starting with ``#`` are skipped.

    Raises:
        InputError: the file is missing, not text, or a line has a prefix and no term.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError:
        raise InputError(f"{p}: no such redact file.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    terms = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        kind, term = "name", line
        prefix, sep, rest = line.partition(":")
        if sep and prefix.strip().casefold() in ("org", "organisation", "organization", "name"):
            kind = "name" if prefix.strip().casefold() == "name" else "organisation"
            term = rest.strip()
            if not term:
                raise InputError(
                    f"{p.name}, line {number}: {prefix.strip()}: has no term after it; "
                    f"write e.g. `{prefix.strip()}: Hartwell Health`, or delete the line."
                )
        terms.append(RedactTerm(term, kind))
    return terms


@dataclass
class _Variant:
    words: tuple[str, ...]
    kind: str
    ignore_case: bool
    sources: set[str] = field(default_factory=set)  # casefolded base terms it comes from
    split: bool = False  # one word of the term, written as two ("Kestrel Mead")

    @property
    def pattern(self) -> str:
        parts = [re.escape(w).replace("'", "['’]") for w in self.words]
        if self.split:
            head, tail = parts
            if self.ignore_case:
                return rf"{head}[\s-]+{tail}"
            # Capitalised as the name is, the rest in either case: "Kestrel mead" too.
            return rf"{re.escape(self.words[0][0])}(?i:{re.escape(self.words[0][1:])}[\s-]+{tail})"
        # An organisation's words are also found run together or hyphenated ("Orrinvale").
        return (r"[\s-]*" if self.kind == "organisation" else r"\s+").join(parts)


def _key(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).casefold()


def _squash(text: str) -> str:
    """A term's key with its spaces and hyphens gone: "Orrin Vale" and "Orrinvale" agree."""
    return re.sub(r"[\s-]+", "", text.replace("’", "'")).casefold()


class Redactor:
    """Replaces names and organisations in quote text with ``[name]`` / ``[organisation]``.

    Each term is matched as whole words, case-insensitively, with a possessive kept
    ("Hartwell's" becomes "[organisation]'s"). A person's first and last names are
    also redacted on their own, and an organisation's distinctive words and leading
    words ("Orrin Vale" of "Orrin Vale Social Care Mutual"); a part that is an ordinary
    English word ("Hart", "Vale") is redacted only when capitalised as written, and
    generic words ("Health", "Trust") never alone. An organisation is also found with
    its words run together or hyphenated ("Orrinvale", "Orrin-Vale"), and a distinctive
    word of it of :data:`SPLIT_MIN_LENGTH` letters or more written as two ("Kestrel
    Mead" for "Kestrelmead"; capitalised as written when either half is an ordinary
    word, so "kestrel mead" in lower case stays). A token of five letters or more
    within :data:`FUZZY_THRESHOLD` (rapidfuzz ratio) of a redacted word of five letters
    or more, or within :data:`NAME_FUZZY_THRESHOLD` of a person's name, is taken for a
    misspelling of it ("Hartwel", "Okafur"); an ordinary English word counts only when
    capitalised as a name is ("Ramen" for "Raman", never "heart" or "ramen").

    Example:
        >>> r = Redactor([RedactTerm("Ben Hart", "name"),
        ...               RedactTerm("Hartwell Health", "organisation")])
        >>> r.redact("Ben said Hartwel's board took heart.")
        "[name] said [organisation]'s board took heart."
    """

    def __init__(self, terms: Iterable[RedactTerm]) -> None:
        common = common_words()
        variants: dict[tuple[str, bool], _Variant] = {}
        self._kinds: dict[str, str] = {}

        def add(
            words: list[str], kind: str, source: str, ignore_case: bool, split: bool = False
        ) -> None:
            key = _key(" ".join(words))
            if not key:
                return
            self._kinds.setdefault(_squash(key), kind)
            v = variants.get((key, ignore_case))
            if v is None:
                v = variants[(key, ignore_case)] = _Variant(
                    tuple(words), kind, ignore_case, split=split
                )
            v.sources.add(source)

        for term in terms:
            words = term.text.replace("’", "'").split()
            if not words:
                continue
            source = _key(term.text)
            add(words, term.kind, source, True)
            if term.kind == "name":
                parts = [w for w in words if w.strip(".").casefold() not in NAME_TITLES]
                if len(parts) > 1:
                    for w in parts:
                        if len(w) >= 2 and w.replace("-", "").replace("'", "").isalpha():
                            add([w], "name", source, w.casefold() not in common)
            else:
                distinctive = [
                    w.isalpha()
                    and len(w) >= 3
                    and w.casefold() not in ORG_GENERIC
                    and w.casefold() not in common
                    for w in words
                ]
                if distinctive[0]:
                    for n in range(2, len(words)):
                        add(words[:n], "organisation", source, True)
                for w, keep in zip(words, distinctive):
                    if keep:
                        add([w], "organisation", source, True)
                    if keep and len(w) >= SPLIT_MIN_LENGTH:
                        for i in range(3, len(w) - 2):
                            head, tail = w[:i], w[i:]
                            plain = not ({head.casefold(), tail.casefold()} & common)
                            add([head, tail], "organisation", source, plain, split=True)
        # Longest first, so that a full name wins over its parts.
        self._variants = sorted(variants.values(), key=lambda v: -len(" ".join(v.words)))
        self._cache: dict[frozenset[str], tuple[re.Pattern | None, dict[str, str]]] = {}

    def _compiled(self, keep: frozenset[str]) -> tuple[re.Pattern | None, dict[str, str]]:
        if keep not in self._cache:
            active = [v for v in self._variants if not v.sources <= keep]
            regex, fuzzy = None, {}
            if active:
                alternation = "|".join(
                    f"(?i:{v.pattern})" if v.ignore_case else f"(?-i:{v.pattern})" for v in active
                )
                regex = re.compile(rf"(?<!\w)(?:{alternation})(?:(?P<poss>['’]s)(?!\w)|(?!\w))")
                for v in active:
                    if v.ignore_case and len(v.words) == 1 and len(v.words[0]) >= FUZZY_MIN_LENGTH:
                        fuzzy[v.words[0].casefold()] = v.kind
            self._cache[keep] = (regex, fuzzy)
        return self._cache[keep]

    def redact(self, text: str, *, keep: Collection[str] = ()) -> str:
        """Return ``text`` with the terms replaced.

        Args:
            text: quote text.
            keep: base terms (a name, an organisation) not to redact, for a participant
                quoted by name: their own name and organisation stay.
        """
        regex, fuzzy = self._compiled(frozenset(_key(k) for k in keep if k))
        if regex is None:
            return text

        def replace(m: re.Match) -> str:
            poss = m.group("poss") or ""
            core = m.group(0)[: len(m.group(0)) - len(poss)]
            return PLACEHOLDER[self._kinds.get(_squash(core), "name")] + poss

        out = regex.sub(replace, text)
        if not fuzzy:
            return out
        common = common_words()
        keys = list(fuzzy)

        def fuzzy_replace(m: re.Match) -> str:
            word, poss = m.group(1), m.group(2) or ""
            folded = word.casefold()
            if len(word) < FUZZY_MIN_LENGTH:
                return m.group(0)
            if folded in common and not (word[0].isupper() and not word.isupper()):
                return m.group(0)  # an ordinary word, not written as a name is
            for key, score, _ in process.extract(
                folded, keys, scorer=fuzz.ratio, score_cutoff=NAME_FUZZY_THRESHOLD, limit=None
            ):
                kind = fuzzy[key]
                if score >= (NAME_FUZZY_THRESHOLD if kind == "name" else FUZZY_THRESHOLD):
                    return PLACEHOLDER[kind] + poss
            return m.group(0)

        return _TOKEN.sub(fuzzy_replace, out)


# A run of letters (not inside a [placeholder]), with an optional possessive.
_TOKEN = re.compile(r"(?<![\w\[])([^\W\d_]+)(['’]s)?(?![\w\]])")


def project_redactor(project, *, redact: PathLike | None = None) -> Redactor:
    """A Redactor for every name and organisation in the register, plus a redact file."""
    terms = []
    for p in project.participant_objects().values():
        if p.name:
            terms.append(RedactTerm(p.name, "name"))
        if p.organisation:
            terms.append(RedactTerm(p.organisation, "organisation"))
    if redact is not None:
        terms.extend(read_redact_file(redact))
    return Redactor(terms)


__all__ = [
    "RedactTerm",
    "Redactor",
    "project_redactor",
    "read_redact_file",
]
