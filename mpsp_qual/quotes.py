"""The quote bank: candidate quotes, consent gating, attribution, approval and redaction.

A candidate quote is a passage of whole sentences from a participant segment coded
with a code (by the chosen coder), within a length window, ranked by the strength of
the coding's evidence and then by length. Every quote output (the bank, its files,
the request workbook, the summary's Quotes sheet) is built from rows that passed
:func:`gate`, the one place consent is enforced: a participant who declined quotes or
withdrew never appears, whatever the options, and there is no way to override it.
Interviewer speech is never a candidate (the interviewer is not in the register).

Per-quote approval is kept in the ``quote_approvals`` table, keyed by the quote's
segment and its character span in the document. With the project setting
``quotes.require_approval`` on (the default) only approved quotes reach the report
bank. Quote text is redacted on the way out: names and organisations from the
register (and an optional ``--redact`` file) become ``[name]`` / ``[organisation]``.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from .errors import InputError, QuoteError, SheetError
from .model import Participant, PathLike

#: The settings key: when "on", only approved quotes reach the report bank.
REQUIRE_APPROVAL = "quotes.require_approval"
STATUSES = ("approved", "pending", "all")
ATTRIBUTIONS = ("label", "named")
DECISIONS = ("approved", "declined", "approved with edits")
#: What a quote is attributed to when the register has no attribution label for it.
FALLBACK_ATTRIBUTION = "Interviewee"

BANK_COLUMNS = [
    "quote_id",
    "code",
    "code_name",
    "participant_id",
    "attribution",
    "document",
    "segment_id",
    "start",
    "end",
    "start_time",
    "words",
    "strength",
    "status",
    "decision",
    "text",
]
APPROVAL_COLUMNS = [
    "quote_id",
    "segment_id",
    "participant_id",
    "start",
    "end",
    "decision",
    "edited_text",
    "decided_at",
]

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_QUOTE_ID = re.compile(r"^(?P<segment>.+):(?P<start>\d+)-(?P<end>\d+)$")


def count_words(text: str) -> int:
    """Words as a reader counts them ("don't" is one word, punctuation is none)."""
    return len(_WORD.findall(text))


def quote_id(segment_id: str, start: int, end: int) -> str:
    """The stable id of a quote: its segment and its [start, end) span in the document."""
    return f"{segment_id}:{start}-{end}"


def parse_quote_id(value: str) -> tuple[str, int, int] | None:
    """``(segment_id, start, end)`` from a quote id, or None if it is not one."""
    m = _QUOTE_ID.match(value.strip())
    if not m:
        return None
    return m["segment"], int(m["start"]), int(m["end"])


# -- the project setting -----------------------------------------------------------------


def require_approval(project) -> bool:
    """Whether only approved quotes reach the report bank (on unless switched off)."""
    return (project.store.get_setting(REQUIRE_APPROVAL, "on") or "on") != "off"


def set_require_approval(project, on: bool) -> None:
    """Switch the approval requirement on or off (recorded in the audit log)."""
    with project.store.transaction():
        if require_approval(project) != on:
            project.store.set_setting(REQUIRE_APPROVAL, "on" if on else "off")
            project.store.audit("quotes setting", {REQUIRE_APPROVAL: "on" if on else "off"})


# -- the consent gate --------------------------------------------------------------------


def quotable_participants(project) -> dict[str, Participant]:
    """The participants who may be quoted: consented to quotes and not withdrawn.

    Read from the project file at the moment of the call, so a withdrawal or a
    changed register takes effect on the next output.
    """
    return {pid: p for pid, p in project.participant_objects().items() if p.quotable}


def gate(project, frame: pd.DataFrame) -> pd.DataFrame:
    """Drop every row whose ``participant_id`` may not be quoted.

    The one consent check of the quote bank: every quote output passes its rows
    through here just before it is built, and there is no option to skip it. Rows
    with no participant (the interviewer, an unregistered speaker) are dropped too.
    """
    if frame.empty:
        return frame
    allowed = quotable_participants(project)
    return frame[frame["participant_id"].isin(list(allowed))].reset_index(drop=True)


# -- attribution -------------------------------------------------------------------------


def attribution_for(participant: Participant, mode: str = "label") -> str:
    """How a quote is attributed: the register's label, or by name if they agreed.

    Args:
        participant: the speaker.
        mode: ``label`` (the attribution label, e.g. "Health PSM") or ``named``
            (name, role and organisation, for a participant with ``consent_named``;
            anyone else still gets the label).
    """
    if mode not in ATTRIBUTIONS:
        raise ValueError(f"attribution must be one of {ATTRIBUTIONS}, not {mode!r}")
    if mode == "named" and participant.consent_named and participant.name:
        return ", ".join(
            part for part in (participant.name, participant.role, participant.organisation) if part
        )
    return participant.attribution or FALLBACK_ATTRIBUTION


def _named(participant: Participant, mode: str) -> bool:
    return mode == "named" and participant.consent_named and bool(participant.name)


# -- redaction ---------------------------------------------------------------------------

#: A token within this rapidfuzz ratio of a redacted word counts as a misspelling of it.
FUZZY_THRESHOLD = 85
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

    @property
    def pattern(self) -> str:
        return r"\s+".join(re.escape(w).replace("'", "['’]") for w in self.words)


def _key(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).casefold()


class Redactor:
    """Replaces names and organisations in quote text with ``[name]`` / ``[organisation]``.

    Each term is matched as whole words, case-insensitively, with a possessive kept
    ("Hartwell's" becomes "[organisation]'s"). A person's first and last names are
    also redacted on their own, and an organisation's distinctive words and leading
    words ("Orrin Vale" of "Orrin Vale Social Care Mutual"); a part that is an ordinary
    English word ("Hart", "Vale") is redacted only when capitalised as written, and
    generic words ("Health", "Trust") never alone. A token of five letters or more that
    is not an ordinary word and is within :data:`FUZZY_THRESHOLD` (rapidfuzz ratio) of
    a redacted word of five letters or more is taken for a misspelling of it ("Hartwel").

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

        def add(words: list[str], kind: str, source: str, ignore_case: bool) -> None:
            key = _key(" ".join(words))
            if not key:
                return
            self._kinds.setdefault(key, kind)
            v = variants.get((key, ignore_case))
            if v is None:
                v = variants[(key, ignore_case)] = _Variant(tuple(words), kind, ignore_case)
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
            return PLACEHOLDER[self._kinds.get(_key(core), "name")] + poss

        out = regex.sub(replace, text)
        if not fuzzy:
            return out
        common = common_words()
        keys = list(fuzzy)

        def fuzzy_replace(m: re.Match) -> str:
            word, poss = m.group(1), m.group(2) or ""
            folded = word.casefold()
            if len(word) < FUZZY_MIN_LENGTH or folded in common:
                return m.group(0)
            best = process.extractOne(folded, keys, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
            if best is None:
                return m.group(0)
            return PLACEHOLDER[fuzzy[best[0]]] + poss

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


def _keep_for(participant: Participant, mode: str) -> tuple[str, ...]:
    """A participant quoted by name keeps their own name and organisation in the text."""
    return (participant.name, participant.organisation) if _named(participant, mode) else ()


# -- candidates --------------------------------------------------------------------------


def _matches(evidence) -> list[dict]:
    """The match records of a coding's evidence (auto-coding keeps a list of them)."""
    if isinstance(evidence, list):
        return [m for m in evidence if isinstance(m, dict)]
    if isinstance(evidence, dict):
        for key in ("matches", "hits", "spans"):
            if isinstance(evidence.get(key), list):
                return [m for m in evidence[key] if isinstance(m, dict)]
    return []


def _evidence_strength(evidence) -> float:
    """How strongly a coding is evidenced: its matches, each weighted by its score.

    An exact keyword match counts 1, a fuzzy one its rapidfuzz score / 100; a coding
    without evidence (a human's judgement) counts 1.
    """
    matches = _matches(evidence)
    if not matches:
        return 1.0
    total = 0.0
    for m in matches:
        score = m.get("score", 100)
        total += float(score) / 100 if isinstance(score, (int, float)) else 1.0
    return round(total, 3)


def _hits(evidence, text: str, start: int) -> list[int]:
    """Where in ``text`` (a segment starting at document offset ``start``) evidence lies."""
    hits = []
    for m in _matches(evidence):
        at = m.get("start")
        if isinstance(at, int) and start <= at < start + len(text):
            hits.append(at - start)
        elif isinstance(m.get("text"), str) and m["text"]:
            hits.extend(
                x.start() for x in re.finditer(re.escape(m["text"]), text, flags=re.IGNORECASE)
            )
    return hits


def _sentences(texts: list[str]) -> list[list[tuple[int, int]]]:
    """The [start, end) of each sentence of each text, from the shared pipeline."""
    from .segment import get_nlp

    nlp = get_nlp()
    out = []
    for doc in nlp.pipe(texts, batch_size=64):
        spans = []
        for sent in doc.sents:
            toks = [t for t in sent if not t.is_space]
            if toks:
                spans.append((toks[0].idx, toks[-1].idx + len(toks[-1].text)))
        out.append(spans)
    return out


def _window(
    text: str,
    sentences: list[tuple[int, int]],
    hits: list[int],
    *,
    min_words: int,
    max_words: int,
) -> tuple[int, int] | None:
    """The [start, end) in ``text`` of the best run of whole sentences in the length window.

    The whole text when it fits; otherwise the run with the most evidence hits, then
    the longest, then the earliest. None when no run fits.
    """
    total = count_words(text)
    if min_words <= total <= max_words:
        return 0, len(text)
    if total < min_words or not sentences:
        return None
    words = [count_words(text[a:b]) for a, b in sentences]
    best, best_key = None, None
    for i in range(len(sentences)):
        n = 0
        for j in range(i, len(sentences)):
            if n + words[j] > max_words:
                break
            n += words[j]
            if n < min_words:
                continue
            a, b = sentences[i][0], sentences[j][1]
            key = (sum(a <= h < b for h in hits), n, -i)
            if best_key is None or key > best_key:
                best, best_key = (a, b), key
    return best


def _codes_for(project, code: str | None) -> list[str]:
    cb = project.codebook
    if code is None:
        return [c.id for c in cb.codable()]
    cb.get(code)  # raises UnknownCode
    return [code] + [c.id for c in cb.descendants(code)]


def _resolve_coder(project, coder: str | None) -> str:
    if coder is None:
        return project.default_coder()
    coders = project.coders()
    if coder not in coders:
        known = ", ".join(coders) if coders else "none yet"
        raise QuoteError(
            f"no codings by coder {coder!r}; the project's coders are: {known}. "
            "Pass one of them with --coder."
        )
    return coder


def approvals(project) -> pd.DataFrame:
    """Every recorded per-quote decision: columns :data:`APPROVAL_COLUMNS`."""
    frame = pd.read_sql_query(
        "SELECT segment_id, participant_id, start, end, decision, edited_text, decided_at "
        "FROM quote_approvals ORDER BY segment_id, start",
        project.store.conn,
    )
    frame.insert(
        0,
        "quote_id",
        [quote_id(s, a, b) for s, a, b in zip(frame.segment_id, frame.start, frame.end)],
    )
    return frame.reindex(columns=APPROVAL_COLUMNS)


def _approvals_by_document(project) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in project.store.execute(
        """SELECT v.document, a.segment_id, a.participant_id, a.start, a.end, a.decision,
                  a.edited_text, a.decided_at
           FROM quote_approvals a JOIN segment_view v ON v.segment_id = a.segment_id"""
    ):
        out.setdefault(r["document"], []).append(dict(r))
    return out


def _status(decision: str | None) -> str:
    if decision is None:
        return "pending"
    return "declined" if decision == "declined" else "approved"


def candidates(
    project,
    *,
    code: str | None = None,
    coder: str | None = None,
    min_words: int = 10,
    max_words: int = 120,
) -> pd.DataFrame:
    """Candidate quotes before filtering by status and before redaction.

    One row per (quote, code): columns of :data:`BANK_COLUMNS` but ``text`` is the
    source text (or the participant's approved edit) and ``attribution`` is left blank.
    Declined quotes are left out; consent gating has been applied.

    Raises:
        UnknownCode: ``code`` is not in the codebook.
        QuoteError: ``coder`` has coded nothing.
    """
    if min_words < 1 or max_words < min_words:
        raise QuoteError(
            f"the quote length window {min_words}-{max_words} words is empty; "
            "give --min-words of 1 or more and --max-words at least as large."
        )
    codes = _codes_for(project, code)
    who = _resolve_coder(project, coder)
    cb = project.codebook
    position = {c.id: i for i, c in enumerate(cb)}
    marks = ",".join("?" * len(codes))
    rows = project.store.execute(
        f"""SELECT c.segment_id, c.code, c.evidence, v.document, v.turn, v.seq,
                   v.participant_id, v.start_time, v.start, v.end, v.text
            FROM codings c JOIN segment_view v ON v.segment_id = c.segment_id
            WHERE c.coder = ? AND c.code IN ({marks}) AND v.participant_id IS NOT NULL""",
        (who, *codes),
    ).fetchall()
    coded = gate(
        project,
        pd.DataFrame(
            [dict(r) for r in rows],
            columns=[
                "segment_id",
                "code",
                "evidence",
                "document",
                "turn",
                "seq",
                "participant_id",
                "start_time",
                "start",
                "end",
                "text",
            ],
        ),
    )
    if coded.empty:
        return pd.DataFrame(columns=BANK_COLUMNS)
    segments = coded.drop_duplicates("segment_id")
    # Only a segment longer than the window needs its sentences (spaCy is the cost here).
    long = segments[[count_words(t) > max_words for t in segments.text]]
    seg_sentences = dict(zip(long.segment_id, _sentences(list(long.text))))
    decided = _approvals_by_document(project)
    doc_texts: dict[str, str] = {}

    def doc_text(name: str) -> str:
        if name not in doc_texts:
            doc_texts[name] = project.document_text(name)
        return doc_texts[name]

    out = []
    for r in coded.itertuples(index=False):
        evidence = json.loads(r.evidence) if r.evidence else None
        text = r.text
        hits = _hits(evidence, text, r.start)
        spans: list[tuple[int, int, dict | None]] = []
        near = [
            a
            for a in decided.get(r.document, [])
            if a["start"] < r.end and a["end"] > r.start and a["participant_id"] == r.participant_id
        ]
        window = _window(
            text,
            seg_sentences.get(r.segment_id, []),
            hits,
            min_words=min_words,
            max_words=max_words,
        )
        if window is not None:
            a, b = r.start + window[0], r.start + window[1]
            if not any(x["start"] < b and x["end"] > a for x in near):
                spans.append((a, b, None))
        spans.extend((x["start"], x["end"], x) for x in near if x["decision"] != "declined")
        for a, b, approval in spans:
            source = doc_text(r.document)[a:b]
            if approval is not None and approval["decision"] == "approved with edits":
                source = approval["edited_text"] or source
            seg_id = approval["segment_id"] if approval is not None else r.segment_id
            out.append(
                {
                    "quote_id": quote_id(seg_id, a, b),
                    "code": r.code,
                    "code_name": cb.get(r.code).name,
                    "participant_id": r.participant_id,
                    "attribution": "",
                    "document": r.document,
                    "segment_id": seg_id,
                    "start": a,
                    "end": b,
                    "start_time": r.start_time,
                    "words": count_words(source),
                    "strength": _evidence_strength(evidence),
                    "status": _status(approval["decision"] if approval else None),
                    "decision": approval["decision"] if approval else "",
                    "text": source,
                    "_order": (position[r.code], r.document, r.turn, r.seq, a),
                }
            )
    if not out:
        return pd.DataFrame(columns=BANK_COLUMNS)
    frame = pd.DataFrame(out).drop_duplicates(["quote_id", "code"])
    frame["_pos"] = [o[0] for o in frame["_order"]]
    frame = frame.sort_values(
        ["_pos", "strength", "words", "_order"], ascending=[True, False, False, True]
    )
    return (
        frame.drop(columns=["_order", "_pos"]).reset_index(drop=True).reindex(columns=BANK_COLUMNS)
    )


def _select_status(frame: pd.DataFrame, status: str, required: bool) -> pd.DataFrame:
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    if status == "approved":
        ok = {"approved"} if required else {"approved", "pending"}
    elif status == "pending":
        ok = {"pending"}
    else:
        ok = {"approved", "pending"}
    return frame[frame["status"].isin(ok)].reset_index(drop=True)


def _finish(project, frame: pd.DataFrame, *, attribution: str, redact: PathLike | None):
    """Gate (again), attribute and redact rows on their way out."""
    frame = gate(project, frame)
    if frame.empty:
        return frame.reindex(columns=BANK_COLUMNS)
    people = quotable_participants(project)
    redactor = project_redactor(project, redact=redact)
    frame = frame.copy()
    frame["attribution"] = [attribution_for(people[p], attribution) for p in frame.participant_id]
    done: dict[tuple[str, str], str] = {}  # a quote filed under several codes is redacted once
    texts = []
    for t, p in zip(frame.text, frame.participant_id):
        if (t, p) not in done:
            done[(t, p)] = redactor.redact(t, keep=_keep_for(people[p], attribution))
        texts.append(done[(t, p)])
    frame["text"] = texts
    return frame


def quote_bank(
    project,
    *,
    code: str | None = None,
    coder: str | None = None,
    status: str = "approved",
    attribution: str = "label",
    redact: PathLike | None = None,
    min_words: int = 10,
    max_words: int = 120,
) -> pd.DataFrame:
    """The quote bank: gated, ranked, attributed and redacted candidate quotes.

    Args:
        code: only this code and the codes below it (default: every code).
        coder: whose codings (default: :meth:`Project.default_coder`).
        status: ``approved`` (what may go in the report: approved quotes, and pending
            ones too when the project does not require approval), ``pending`` (not yet
            decided) or ``all`` (both). Quotes a participant declined never appear.
        attribution: ``label`` ("Health PSM") or ``named`` (name, role, organisation
            for participants who agreed to be named; the label for everyone else).
        redact: a file of extra names and organisations to redact (see
            :func:`read_redact_file`).
        min_words, max_words: the length window, in words.

    Returns:
        One row per quote and code, in codebook order, strongest evidence first then
        longest: columns :data:`BANK_COLUMNS`. ``status`` is ``approved`` or
        ``pending``; ``decision`` the recorded decision ("approved with edits" means
        ``text`` is the participant's edit); ``start``/``end`` are character offsets
        into the document text.

    Raises:
        UnknownCode: ``code`` is not in the codebook.
        QuoteError: ``coder`` has coded nothing, or the length window is empty.
        InputError: the redact file cannot be read.
    """
    if attribution not in ATTRIBUTIONS:
        raise ValueError(f"attribution must be one of {ATTRIBUTIONS}, not {attribution!r}")
    frame = candidates(project, code=code, coder=coder, min_words=min_words, max_words=max_words)
    frame = _select_status(frame, status, require_approval(project))
    return _finish(project, frame, attribution=attribution, redact=redact)


# -- approval requests -------------------------------------------------------------------

REQUEST_COLUMNS = [
    "quote_id",
    "participant_id",
    "code",
    "attribution",
    "text",
    "decision",
    "edited_text",
    "decided_at",
]


def request_quotes(
    project,
    *,
    code: str | None = None,
    coder: str | None = None,
    status: str = "pending",
    draft: PathLike | None = None,
    redact: PathLike | None = None,
    min_words: int = 10,
    max_words: int = 120,
) -> pd.DataFrame:
    """The quotes to ask participants about, one row per quote: columns :data:`REQUEST_COLUMNS`.

    Args:
        code, coder, redact, min_words, max_words: as for :func:`quote_bank`.
        status: ``pending`` (quotes not yet decided) or ``all`` (decided ones too,
            with their decision filled in).
        draft: instead of the bank's candidates, the quotes a report draft uses
            (found with :func:`mpsp_qual.verify.verify_draft`): the passage of the
            transcript each quoted passage matches.

    The text is shown as the report would show it (redacted, label attribution).
    """
    if status not in ("pending", "all"):
        raise ValueError("status must be 'pending' or 'all'")
    if draft is not None:
        frame = _draft_requests(project, draft)
    else:
        frame = candidates(
            project, code=code, coder=coder, min_words=min_words, max_words=max_words
        )
    if frame.empty:
        return pd.DataFrame(columns=REQUEST_COLUMNS)
    decided = {
        r.quote_id: r for r in approvals(project).itertuples(index=False)
    }  # decisions as recorded, for prefilling
    frame = frame.groupby("quote_id", sort=False, as_index=False).agg(
        {
            "participant_id": "first",
            "code": lambda s: ", ".join(dict.fromkeys(x for x in s if x)),
            "text": "first",
            "document": "first",
            "start": "first",
            "end": "first",
            "status": "first",
        }
    )
    if status == "pending":
        frame = frame[frame["status"] == "pending"]
    # The participant sees their own words as spoken, redacted as the report would be.
    frame = frame.copy()
    for i, r in frame.iterrows():
        if r.status != "pending":
            frame.at[i, "text"] = project.document_text(r.document)[r.start : r.end]
    frame = _finish(project, frame, attribution="label", redact=redact)
    frame["decision"] = [decided[q].decision if q in decided else "" for q in frame.quote_id]
    frame["edited_text"] = [
        "" if q not in decided or pd.isna(decided[q].edited_text) else decided[q].edited_text
        for q in frame.quote_id
    ]
    frame["decided_at"] = [decided[q].decided_at if q in decided else "" for q in frame.quote_id]
    order = {pid: i for i, pid in enumerate(project.participant_objects())}
    frame["_p"] = [order.get(p, 0) for p in frame.participant_id]
    frame = frame.sort_values(["_p", "document", "start"], kind="stable")
    return frame.reindex(columns=REQUEST_COLUMNS).reset_index(drop=True)


def _draft_requests(project, draft: PathLike) -> pd.DataFrame:
    from .verify import verify_draft

    found = verify_draft(project, draft)
    found = found[found["segment_id"].notna() & found["participant_id"].notna()]
    if found.empty:
        return pd.DataFrame(columns=BANK_COLUMNS)
    codes: dict[str, list[str]] = {}
    for r in project.store.execute(
        "SELECT segment_id, code FROM codings c JOIN codes k ON k.id = c.code ORDER BY k.position"
    ):
        codes.setdefault(r[0], []).append(r[1])
    status = {
        quote_id(r.segment_id, r.start, r.end): _status(r.decision)
        for r in approvals(project).itertuples(index=False)
    }
    rows = []
    for r in found.itertuples(index=False):
        a, b = int(r.start), int(r.end)
        text = project.document_text(r.document)
        # The participant approves whole sentences' ends: keep the full stop the draft dropped.
        while b < len(text) and text[b] in ".!?…":
            b += 1
        qid = quote_id(r.segment_id, a, b)
        rows.append(
            {
                "quote_id": qid,
                "participant_id": r.participant_id,
                "code": ", ".join(dict.fromkeys(codes.get(r.segment_id, []))),
                "text": text[a:b],
                "document": r.document,
                "start": a,
                "end": b,
                "status": status.get(qid, "pending"),
            }
        )
    return pd.DataFrame(rows)


@dataclass
class ApprovalReport:
    """What ``approve_quotes`` did: decisions recorded and left as they were, and notes."""

    recorded: int = 0
    unchanged: int = 0
    undecided: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def approve_quotes(project, path: PathLike) -> ApprovalReport:
    """Record the decisions of a filled-in request workbook (``quotes request``).

    All or nothing: every row is checked first, and any problem leaves the project
    unchanged. A blank Decision leaves that quote pending; rows of a participant who
    has since declined or withdrawn are not recorded (and noted). Each decision is
    kept with its date (the workbook's Date cell, else today) and one audit entry
    lists them.

    Raises:
        SheetError: the workbook cannot be read, or a row names an unknown quote, an
            unknown decision, or an edit without its text (``problems`` lists each cell).
    """
    from .export.quotebank import read_decisions

    p = Path(path)
    rows, problems = read_decisions(p)
    people = project.participant_objects()
    quotable = quotable_participants(project)
    report = ApprovalReport()
    todo = []
    for row in rows:
        parsed = parse_quote_id(row.quote_id)
        seg = None
        if parsed is not None:
            seg = project.store.execute(
                "SELECT document, participant_id FROM segment_view WHERE segment_id = ?",
                (parsed[0],),
            ).fetchone()
        where = f"{p.name}, sheet {row.sheet}, cell {row.cell('quote_id')}"
        if parsed is None:
            problems.append(
                f"{where}: {row.quote_id!r} is not a quote id; keep the quote_id column as "
                "`mpsp-qual quotes request` wrote it."
            )
            continue
        if seg is None or seg["participant_id"] != row.participant_id:
            problems.append(
                f"{where}: quote {row.quote_id} is not in the project any more (its transcript "
                "was re-imported or its speaker's data purged); delete the row, or request "
                "the quotes again."
            )
            continue
        text = project.document_text(seg["document"])
        if parsed[2] > len(text) or parsed[1] >= parsed[2]:
            problems.append(
                f"{where}: quote {row.quote_id} has a span outside its transcript; delete the row."
            )
            continue
        if row.participant_id not in quotable:
            who = people.get(row.participant_id)
            why = "withdrew" if who is not None and who.withdrawn else "declined quotes"
            report.notes.append(f"{row.participant_id} {why}; their rows were not recorded.")
            continue
        if not row.decision:
            report.undecided += 1
            continue
        todo.append((row, parsed, text[parsed[1] : parsed[2]]))
    if problems:
        raise SheetError(
            problems[0]
            if len(problems) == 1
            else f"{p.name} has {len(problems)} problems; fix them and import it again.",
            problems,
        )
    report.notes = list(dict.fromkeys(report.notes))
    current = {
        (r.segment_id, int(r.start), int(r.end)): (
            r.decision,
            "" if pd.isna(r.edited_text) else r.edited_text,
        )
        for r in approvals(project).itertuples(index=False)
    }
    recorded = []
    with project.store.transaction() as conn:
        for row, (segment_id, start, end), quote in todo:
            if current.get((segment_id, start, end)) == (row.decision, row.edited_text):
                report.unchanged += 1
                continue
            conn.execute(
                "INSERT OR REPLACE INTO quote_approvals (segment_id, participant_id, start, "
                "end, quote, decision, edited_text, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    segment_id,
                    row.participant_id,
                    start,
                    end,
                    quote,
                    row.decision,
                    row.edited_text or None,
                    row.decided_at,
                ),
            )
            recorded.append(
                {"quote_id": row.quote_id, "decision": row.decision, "decided_at": row.decided_at}
            )
            report.counts[row.decision] = report.counts.get(row.decision, 0) + 1
        report.recorded = len(recorded)
        if recorded:
            project.store.audit(
                "quotes approve", {"file": p.name, "recorded": len(recorded), "decisions": recorded}
            )
    return report


def record_decision(
    project,
    quote: str,
    decision: str,
    *,
    edited_text: str | None = None,
    decided_at: str | None = None,
) -> None:
    """Record one participant's decision on one quote (for notebooks and scripts).

    Raises:
        QuoteError: unknown quote or decision, an edit without text, or a participant
            who may not be quoted.
    """
    parsed = parse_quote_id(quote)
    row = None
    if parsed is not None:
        row = project.store.execute(
            "SELECT document, participant_id FROM segment_view WHERE segment_id = ?",
            (parsed[0],),
        ).fetchone()
    if row is None or row["participant_id"] is None:
        raise QuoteError(
            f"no quote {quote!r} in the project; `mpsp-qual quotes --status all` lists them."
        )
    if decision not in DECISIONS:
        raise QuoteError(f"unknown decision {decision!r}; use one of: {', '.join(DECISIONS)}.")
    if (decision == "approved with edits") != bool(edited_text):
        raise QuoteError("give the edited text with 'approved with edits', and only then.")
    if row["participant_id"] not in quotable_participants(project):
        raise QuoteError(f"{row['participant_id']} may not be quoted (declined or withdrew).")
    segment_id, start, end = parsed
    when = decided_at or date.today().isoformat()
    with project.store.transaction() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO quote_approvals (segment_id, participant_id, start, end, "
            "quote, decision, edited_text, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                segment_id,
                row["participant_id"],
                start,
                end,
                project.document_text(row["document"])[start:end],
                decision,
                edited_text,
                when,
            ),
        )
        project.store.audit(
            "quotes approve",
            {
                "recorded": 1,
                "decisions": [{"quote_id": quote, "decision": decision, "decided_at": when}],
            },
        )


def summary_quotes(project) -> pd.DataFrame:
    """The summary workbook's Quotes sheet: the report bank.

    Approved quotes only (and pending ones as well if the project was told not to
    require approval, with ``quotes require-approval off``); gated like every output.
    """
    return quote_bank(project, status="approved")


# -- the demo ----------------------------------------------------------------------------


def demo_step(project, outdir: PathLike, *, log: Callable[[str], None], show) -> None:
    """The quote bank's part of ``make demo``.

    The sample's participants are simulated approving the quotes the draft report
    uses: a request workbook is written from ``draft_report.md`` (``quotes request
    --draft``), every Decision filled in as "approved", and imported as ``quotes
    approve`` would. Then ``quotes.md`` / ``quotes.docx`` are written and the draft is
    verified against the transcripts.
    """
    from .demo import SAMPLE
    from .export.quotebank import fill_decisions, write_quote_bank, write_requests
    from .verify import verify_draft

    out = Path(outdir)
    draft = SAMPLE / "draft_report.md"
    if draft.is_file():
        requests = request_quotes(project, draft=draft)
        if len(requests):
            path = out / "quote_requests.xlsx"
            write_requests(project, requests, path)
            fill_decisions(path, "approved", decided_at="2025-03-31")
            report = approve_quotes(project, path)
            log(
                f"Quote requests: the {len(requests)} quotes the draft uses went to their "
                f"participants ({path}), who approved them: {report.recorded} decisions recorded."
            )
        else:
            log("Quote requests: every quote the draft uses has a decision already.")
    for name in ("quotes.md", "quotes.docx"):
        n = write_quote_bank(project, out / name)
        log(f"Wrote {out / name} ({n} approved quotes).")
    pending = quote_bank(project, status="pending")
    log(
        f"{len(pending)} more candidate quotes await approval (`mpsp-qual quotes --status pending`)."
    )
    if draft.is_file():
        result = verify_draft(project, draft)
        show(
            f"Verify {draft.name}",
            result[["location", "match", "participant_id", "consent", "approval", "ok"]],
        )
        bad = int((~result["ok"]).sum())
        log(f"Verify: {len(result) - bad} of {len(result)} quoted passages pass.")


__all__ = [
    "APPROVAL_COLUMNS",
    "BANK_COLUMNS",
    "REQUIRE_APPROVAL",
    "ApprovalReport",
    "RedactTerm",
    "Redactor",
    "approvals",
    "approve_quotes",
    "attribution_for",
    "candidates",
    "gate",
    "project_redactor",
    "quotable_participants",
    "quote_bank",
    "read_redact_file",
    "record_decision",
    "request_quotes",
    "require_approval",
    "set_require_approval",
    "summary_quotes",
]
