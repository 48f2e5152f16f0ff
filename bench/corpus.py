"""A reproducible corpus of interview-like transcripts for the benchmarks.

``generate_corpus(directory, words=1_000_000)`` writes plain-text transcripts in the
house convention (a title line, a ``Date:`` line, then ``Speaker: text`` turns, some
answers over several paragraphs, some with ``[hh:mm:ss]`` timestamps) and a
participants register beside them. Interviewers ask short questions; participants
answer at length, a few answers long enough to be split at sentence boundaries.

The vocabulary is English word forms drawn with Zipf-like weights from the spaCy
lookup table (so inflections occur as they do in speech), the codebook's keywords
at a realistic rate (about one sentence in eight of a participant's, inflected
where the lookup table knows an inflection), and transcription slips (a letter
dropped, doubled or swapped) in about one word in three hundred. The same seed gives
byte-identical files.

Run it alone to keep a corpus: ``python bench/corpus.py OUTDIR --words 200000``; the
many-small-files shape of the import benchmark is ``--per-file 830`` (1,000+ files of
about 1,000 words for 1,000,000 words).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mpsp_qual.inputs.codebook import load_codebook  # noqa: E402
from mpsp_qual.inputs.segment import _lemma_table  # noqa: E402

CODEBOOK = ROOT / "codebooks" / "partnerships.yaml"


def _words(text: str) -> list[str]:
    return text.split()


FUNCTION_WORDS = _words(
    "the the the and and and to to of of a a a in in that that it it we we we is was "
    "they they you I I I but so so for for with with on on at as be have had this this "
    "there there not not our our their their what which who when if just really very "
    "quite about because then also them us were been would could can do did all more "
    "some one two lot kind of sort of you know I mean actually basically obviously"
)
DOMAIN_WORDS = _words(
    "partner partnership mutual mutuals council commissioner contract bid board staff "
    "service services provider providers tender housing health care social education "
    "community charity trust programme support funding money budget meeting meetings "
    "manager director team teams members organisation organisations local authority NHS "
    "colleagues people clients families tenants patients pupils outcome outcomes year "
    "years months weeks work working worked delivery deliver model process"
)
FIRST = _words(
    "Helen Martin Joanne Simon Priya Gareth Angela David Rachel Tom Aisha Ewan Nadia Colin Fiona Raj Mei Owen Lucy Kwame"
)
LAST = _words(
    "Ashdown Okafor Pilling Haverley Raman Lowe Brierley Nwosu Thorne Byrne Hussain Grant Novak Reid Stewart Patel Chen Evans Walsh Mensah"
)
SECTORS = ("Health", "Social care", "Housing", "Education")
OPENERS = (
    "Well,",
    "I think",
    "Honestly,",
    "So,",
    "To be fair,",
    "Yeah,",
    "The thing is,",
    "In our case",
    "",
    "",
    "",
)
QUESTIONS = (
    "How did the partnership start?",
    "What was the hardest part of working together?",
    "Could you say more about that?",
    "What difference did the support make?",
    "How did the board feel about it?",
    "What would you do differently next time?",
    "And how did the other partners see it?",
    "What did the commissioners make of it?",
)


@dataclass
class Corpus:
    """What :func:`generate_corpus` wrote."""

    directory: Path
    files: list[Path] = field(default_factory=list)
    register: Path | None = None
    words: int = 0


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    table = _lemma_table()
    forms = sorted({str(v) for v in table.values() if str(v).isalpha()})
    rng.shuffle(forms)
    forms = forms[:6000]
    words = FUNCTION_WORDS + DOMAIN_WORDS + forms
    weights = [40.0] * len(FUNCTION_WORDS) + [8.0] * len(DOMAIN_WORDS)
    weights += [30.0 / (rank + 10) for rank in range(len(forms))]
    return words, weights


def _inflections() -> dict[str, list[str]]:
    """Lemma -> the inflected forms the lookup table maps to it (for keywords)."""
    out: dict[str, list[str]] = {}
    table = _lemma_table()
    wanted = set()
    for code in _codes():
        for keyword in code.keywords:
            wanted.update(keyword.lower().split())
    # Table keys are hashes, so walk the strings we know: inflect the usual ways.
    for lemma in wanted:
        for form in (lemma + "s", lemma + "ed", lemma + "ing", lemma + "d", lemma[:-1] + "ing"):
            if form != lemma and table.get(form) == lemma:
                out.setdefault(lemma, []).append(form)
    return out


def _codes():
    if CODEBOOK.is_file():
        return [c for c in load_codebook(CODEBOOK) if c.keywords]
    return []


def _misspell(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


class _Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words, weights = _vocabulary(rng)
        self.cum_weights = list(itertools.accumulate(weights))
        self.keywords = [k for c in _codes() for k in c.keywords]
        self.inflect = _inflections()

    def keyword(self) -> str:
        phrase = self.rng.choice(self.keywords)
        parts = phrase.split()
        out = []
        for part in parts:
            forms = self.inflect.get(part.lower())
            if forms and self.rng.random() < 0.4:
                part = self.rng.choice(forms)
            if self.rng.random() < 0.02:
                part = _misspell(part, self.rng)
            out.append(part)
        return " ".join(out)

    def sentence(self, keyword_rate: float) -> str:
        rng = self.rng
        n = rng.randint(6, 24)
        body = rng.choices(self.words, cum_weights=self.cum_weights, k=n)
        body = [_misspell(w, rng) if rng.random() < 1 / 300 else w for w in body]
        if rng.random() < keyword_rate:
            body.insert(rng.randrange(len(body) + 1), self.keyword())
        opener = rng.choice(OPENERS)
        text = " ".join(([opener] if opener else []) + body)
        if rng.random() < 0.3:
            cut = rng.randrange(2, len(body))
            text = text.replace(f" {body[cut]} ", f", {body[cut]} ", 1)
        return text[0].upper() + text[1:] + rng.choice(".....?!")

    def answer(self) -> list[str]:
        rng = self.rng
        long_answer = rng.random() < 0.08
        paragraphs = rng.randint(3, 6) if long_answer else rng.choice((1, 1, 1, 2, 2, 3))
        out = []
        for _ in range(paragraphs):
            sentences = rng.randint(6, 12) if long_answer else rng.randint(2, 7)
            out.append(" ".join(self.sentence(0.12) for _ in range(sentences)))
        return out

    def question(self) -> str:
        if self.rng.random() < 0.5:
            return self.rng.choice(QUESTIONS)
        return self.sentence(0.03).rstrip(".!") + "?"


def generate_corpus(
    directory: Path | str, *, words: int = 1_000_000, seed: int = 7, per_file: int = 8000
) -> Corpus:
    """Write transcripts totalling about ``words`` words, and ``participants.csv``.

    Args:
        directory: where to write (created if needed).
        words: the approximate total number of words, interviewers included.
        seed: the random seed; the same seed writes the same files.
        per_file: about how many words each interview has.

    Returns:
        The files written, the register and the exact number of words.
    """
    rng = random.Random(seed)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    writer = _Writer(rng)
    corpus = Corpus(out)
    register_rows = []
    number = 0
    while corpus.words < words:
        number += 1
        sector = SECTORS[number % len(SECTORS)]
        name = f"int{number:04d}_{sector.lower().replace(' ', '_')}.txt"
        speakers = [f"{rng.choice(FIRST)} {rng.choice(LAST)}"]
        if number % 9 == 0:  # a paired interview
            second = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if second != speakers[0]:
                speakers.append(second)
        for k, speaker in enumerate(speakers):
            register_rows.append(
                {
                    "participant_id": f"P{len(register_rows) + 1:04d}",
                    "transcript": name,
                    "speaker": speaker,
                    "name": speaker,
                    "organisation": f"Mutual {number}",
                    "role": "Chief Executive" if k == 0 else "Finance Director",
                    "consent_quotes": "no" if number % 11 == 0 else "yes",
                    "consent_named": "no",
                    "attribution": f"{sector} PSM",
                    "withdrawn": "yes" if number % 23 == 0 and k == 0 else "no",
                    "sector": sector,
                }
            )
        timestamps = number % 3 == 0
        lines = [
            f"Interview {number} – Mutual {number}",
            f"Date: 2025-{1 + number % 12:02d}-14",
            "",
        ]
        file_words, seconds = 0, 0
        target = min(per_file, words - corpus.words)
        while file_words < target:
            seconds += rng.randint(20, 200)
            stamp = f"[{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}] "
            question = writer.question()
            lines.append(f"{stamp if timestamps else ''}Interviewer: {question}")
            answer = writer.answer()
            speaker = rng.choice(speakers)
            lines.append(f"{stamp if timestamps else ''}{speaker}: {answer[0]}")
            for paragraph in answer[1:]:
                lines.extend(["", paragraph])
            lines.append("")
            file_words += len(question.split()) + sum(len(p.split()) for p in answer)
        path = out / name
        path.write_text("\n".join(lines), encoding="utf-8")
        corpus.files.append(path)
        corpus.words += file_words
    corpus.register = out / "participants.csv"
    with corpus.register.open("w", encoding="utf-8", newline="") as handle:
        writer_csv = csv.DictWriter(handle, fieldnames=list(register_rows[0]))
        writer_csv.writeheader()
        writer_csv.writerows(register_rows)
    return corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-file", type=int, default=8000, help="about how many words a file")
    args = parser.parse_args()
    corpus = generate_corpus(args.outdir, words=args.words, seed=args.seed, per_file=args.per_file)
    print(f"wrote {len(corpus.files)} transcripts, {corpus.words:,} words, into {args.outdir}")


if __name__ == "__main__":
    main()
