"""The quote bank: candidate quotes, consent gating and attribution.

A candidate quote is a passage of whole sentences from a participant segment coded
with a code (by the chosen coder), within a length window, ranked by the strength of
the coding's evidence and then by length. Every quote output (the bank, its files,
the request workbook, the summary's Quotes sheet) is built from rows that passed
:func:`gate`, the one place consent is enforced: a participant who declined quotes or
withdrew never appears, whatever the options, and there is no way to override it.
Interviewer speech is never a candidate (the interviewer is not in the register). A
quote's status comes from the participant's recorded decision on it (asked for and
recorded in :mod:`mpsp_qual.consent.approvals`), and its text is redacted on the way out
(:mod:`mpsp_qual.consent.redact`).
"""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd

from mpsp_qual.coding.coders import resolve_coder
from mpsp_qual.coding.evidence import evidence_strength, matches
from mpsp_qual.coding.passages import Span, quote_span
from mpsp_qual.consent.redact import project_redactor
from mpsp_qual.core import vocab
from mpsp_qual.core.errors import QuoteError
from mpsp_qual.core.model import AUTO_CODER, Participant, PathLike
from mpsp_qual.core.text import count_words
from mpsp_qual.store.codings_spans import passages_by_segment

STATUSES = vocab.QUOTE_STATUSES
ATTRIBUTIONS = vocab.ATTRIBUTIONS
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

_QUOTE_ID = re.compile(r"^(?P<segment>.+):(?P<start>\d+)-(?P<end>\d+)$")


def quote_id(segment_id: str, start: int, end: int) -> str:
    """The stable id of a quote: its segment and its [start, end) span in the document."""
    return f"{segment_id}:{start}-{end}"


def parse_quote_id(value: str) -> tuple[str, int, int] | None:
    """``(segment_id, start, end)`` from a quote id, or None if it is not one."""
    m = _QUOTE_ID.match(value.strip())
    if not m:
        return None
    return m["segment"], int(m["start"]), int(m["end"])


def source_hash(text: str) -> str:
    """A short fingerprint of a quote's exact source text (the first 16 hex of its sha256).

    The request workbook keeps it beside each quote, so that ``quotes approve`` can tell
    whether the transcript still says what the participant was shown.
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def quote_source(project, quote: str) -> str | None:
    """The document text a quote id points at, or None when it names no quote of the project."""
    parsed = parse_quote_id(quote)
    if parsed is None:
        return None
    row = project.store.documents.segment_span(parsed[0])
    if row is None or not row["start"] <= parsed[1] < parsed[2] <= row["end"]:
        return None
    return project.document_text(row["document"])[parsed[1] : parsed[2]]


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


def _keep_for(participant: Participant, mode: str) -> tuple[str, ...]:
    """A participant quoted by name keeps their own name and organisation in the text."""
    return (participant.name, participant.organisation) if _named(participant, mode) else ()


# -- candidates --------------------------------------------------------------------------


def _hits(evidence, text: str, start: int) -> list[int]:
    """Where in ``text`` (a segment starting at document offset ``start``) evidence lies."""
    hits = []
    for m in matches(evidence):
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
    from mpsp_qual.inputs.segment import get_nlp

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


def _carries(a: int, b: int, start: int, length: int, hits: list[int]) -> bool:
    """Whether the quote [a, b) may be filed under an auto coding of the segment at
    [start, start + length) whose evidence lies at ``hits`` (offsets in the segment).

    The whole segment may: it is the unit the code was given to. Part of it may only when
    it holds some of that code's evidence; otherwise a quote trimmed to one code's words
    (or an approved passage) would be filed under every other code of its turn too.
    """
    if a <= start and b >= start + length:
        return True
    return any(a <= start + h < b for h in hits)


def _codes_for(project, code: str | None) -> list[str]:
    cb = project.codebook
    if code is None:
        return [c.id for c in cb.codable()]
    cb.get(code)  # raises UnknownCode
    return [code] + [c.id for c in cb.descendants(code)]


def _approvals_by_document(project) -> dict[str, list[dict]]:
    """The recorded decisions (see :mod:`mpsp_qual.consent.approvals`) still fresh, by document.

    A decision whose stored quote is no longer the document's text at its span is left
    out, so that an approval (or an approved edit) of words since changed is never used.
    """
    out: dict[str, list[dict]] = {}
    for r in project.store.approvals.fresh_with_documents():
        out.setdefault(r["document"], []).append(dict(r))
    return out


def decision_status(decision: str | None) -> str:
    """A quote's status from its recorded decision: ``pending`` (none), ``declined`` or ``approved``."""
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
    A quote is filed under a code only when a human coded its segment or passage with
    it, or when its span holds that code's evidence (an auto coding; the whole segment
    always does).
    Declined quotes are left out; consent gating has been applied. A decision recorded
    on text that has changed since (a re-imported transcript) is ignored: the quote is
    pending again, and an approved edit of the old text is never used.

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
    who = resolve_coder(project.store, coder, error=QuoteError)
    cb = project.codebook
    position = {c.id: i for i, c in enumerate(cb)}
    rows = project.store.codings.participant_codings(who, codes)
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
    # Passage codings are candidates of exactly their spans (mpsp_qual.coding.passages).
    passages = passages_by_segment(project.store, coder=who, codes=codes)
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
        held = passages.get((r.segment_id, r.code))
        by_evidence = who == AUTO_CODER and held is None
        if by_evidence:
            # An approved passage goes under this code only if it holds the code's words.
            near = [x for x in near if _carries(x["start"], x["end"], r.start, len(text), hits)]
        if held is not None:
            for start, end in held:
                quoted = quote_span(Span(start, end), doc_text(r.document))
                a, b = quoted.start, quoted.end
                if not any(x["start"] < b and x["end"] > a for x in near):
                    spans.append((a, b, None))
            window = None
        else:
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
        if by_evidence:
            spans = [s for s in spans if _carries(s[0], s[1], r.start, len(text), hits)]
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
                    "strength": evidence_strength(evidence),
                    "status": decision_status(approval["decision"] if approval else None),
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


def finish_rows(project, frame: pd.DataFrame, *, attribution: str, redact: PathLike | None):
    """Gate (again), attribute and redact rows on their way out (the bank's and the requests')."""
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
    frame = _select_status(frame, status, project.store.approvals.required())
    return finish_rows(project, frame, attribution=attribution, redact=redact)


def summary_quotes(project) -> pd.DataFrame:
    """The summary workbook's Quotes sheet: the report bank.

    Approved quotes only (and pending ones as well if the project was told not to
    require approval, with ``quotes require-approval off``); gated like every output.
    """
    return quote_bank(project, status="approved")


# -- the demo ----------------------------------------------------------------------------


__all__ = [
    "BANK_COLUMNS",
    "attribution_for",
    "candidates",
    "gate",
    "quotable_participants",
    "quote_bank",
    "quote_source",
    "source_hash",
    "summary_quotes",
]
