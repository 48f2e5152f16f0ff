"""How long ``verify`` takes: a 50-page draft against a million-word project.

Builds (or reuses, with ``--project DIR``) a project from ``bench/corpus.py``'s
generated transcripts, writes a draft of about 25,000 words with about 100 quoted
passages (verbatim excerpts of participants' turns, lightly edited ones, and invented
ones), then times :func:`mpsp_qual.consent.verify.verify_draft` and prints the figures and
how each kind of passage was judged.

    python bench/bench_verify.py                      # 1,000,000 words
    python bench/bench_verify.py --words 200000 --project /tmp/bench-verify
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import generate_corpus  # noqa: E402

from mpsp_qual import Project  # noqa: E402
from mpsp_qual.consent.verify import SourceIndex, verify_draft  # noqa: E402

CODEBOOK = ROOT / "codebooks" / "partnerships.yaml"


def build_project(directory: Path, words: int) -> Project:
    project_dir = directory / "project"
    if (project_dir / "project.sqlite").is_file():
        return Project.open(project_dir)
    corpus = generate_corpus(directory / "corpus", words=words)
    t = time.perf_counter()
    project = Project.init(project_dir, codebook=CODEBOOK, register=corpus.register)
    project.import_transcripts(corpus.files, register=corpus.register)
    print(
        f"import: {corpus.words:,} words in {len(corpus.files)} transcripts, "
        f"{time.perf_counter() - t:.1f} s (setup, not the figure)"
    )
    return project


def excerpt(rng: random.Random, text: str, low: int = 12, high: int = 40) -> str:
    words = text.split()
    n = min(len(words), rng.randint(low, high))
    start = rng.randrange(len(words) - n + 1)
    return " ".join(words[start : start + n])


def edit(rng: random.Random, text: str) -> str:
    words = text.split()
    k = rng.randrange(1, len(words) - 1)
    if rng.random() < 0.5:
        del words[k]  # a word dropped
    else:
        words[k] = rng.choice(("really", "very", "the", "quite", "partnership"))
    return " ".join(words)


def make_draft(project: Project, path: Path, *, seed: int = 11, words: int = 25_000) -> dict:
    rng = random.Random(seed)
    turns = project.turns()
    people = project.participants()
    quotable = set(people[people["consent_quotes"] & ~people["withdrawn"]]["participant_id"])
    spoken = turns[turns["participant_id"].isin(quotable)]
    long_turns = [t for t in spoken["text"] if len(t.split()) >= 45]
    vocabulary = " ".join(rng.sample(long_turns, min(200, len(long_turns)))).split()
    kinds = ["verbatim"] * 60 + ["edited"] * 20 + ["invented"] * 20
    rng.shuffle(kinds)
    paragraphs, planned, count = [], [], 0
    per_quote = words // len(kinds)
    for kind in kinds:
        filler = " ".join(rng.choice(vocabulary) for _ in range(per_quote - 25)).capitalize()
        quote = excerpt(rng, rng.choice(long_turns))
        if kind == "edited":
            quote = edit(rng, quote)
        elif kind == "invented":
            quote = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(12, 40)))
        planned.append(kind)
        if rng.random() < 0.3:
            paragraphs.append(f"{filler}.\n\n> {quote}\n\n– Health PSM")
        else:
            paragraphs.append(f"{filler}, as one leader put it: “{quote}”.")
        count += len(filler.split()) + len(quote.split())
    path.write_text("# Draft report\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return {"words": count, "kinds": planned}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument(
        "--project", type=Path, help="Keep (and reuse) the corpus and project here."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = args.project or Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        project = build_project(base, args.words)
        n_words = int(project.documents()["words"].sum())
        draft = base / "draft.md"
        plan = make_draft(project, draft)

        t = time.perf_counter()
        index = SourceIndex(project)
        t_index = time.perf_counter() - t
        t = time.perf_counter()
        result = verify_draft(project, draft)
        t_verify = time.perf_counter() - t

        print(f"project: {n_words:,} words, {len(index.turns):,} turns")
        print(
            f"draft: {plan['words']:,} words, {len(result)} quoted passages found "
            f"({len(plan['kinds'])} written)"
        )
        print(f"source index alone: {t_index:.2f} s")
        print(f"verify_draft (index, prefilter, rapidfuzz, diff): {t_verify:.2f} s")
        if len(result) == len(plan["kinds"]):
            judged = list(result["match"])
            for kind in ("verbatim", "edited", "invented"):
                got = [j for k, j in zip(plan["kinds"], judged) if k == kind]
                tally = {m: got.count(m) for m in sorted(set(got))}
                print(f"  {kind:9} passages judged: {tally}")
        project.close()


if __name__ == "__main__":
    main()
