"""Benchmark: import + segmentation, beside the bare spaCy pipeline, on two corpus shapes.

Generates about 1,000,000 words of interview transcripts (``bench/corpus.py``) in each
of two shapes, the same words per shape:

* **large files**: about 125 interviews of about 8,000 words;
* **many small files**: 1,000+ interviews of about 1,000 words (where the cost per file,
  not per word, is what shows: reading, layout detection, the register, the writes);

then for each shape, in fresh child processes, so that neither warms the other's caches,
times

* the bare pipeline: ``get_nlp()`` (blank English + sentencizer + lookup lemmatizer)
  over the same turn texts with ``nlp.pipe``;
* ``Project.init`` + ``Project.import_transcripts`` (reading, parsing, segmentation,
  the project file), and with ``--autocode`` (``bench_autocode.py``) auto-coding too;

and prints words per second of each, their ratio and the peak memory (``ru_maxrss``)
of the end-to-end process. The pipeline is loaded before the clock starts in both.

The bare-pipeline figure is measured in the same run, on the same texts, for each shape.

    python bench/bench_import.py [--words 1000000] [--seed 7] [--repeat 3] [--shape large|small]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

CODEBOOK = ROOT / "codebooks" / "partnerships.yaml"
#: name -> about how many words per file.
SHAPES = {"large": ("large files", 8000), "small": ("many small files", 830)}


def _files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.txt"))


def _turn_texts(directory: Path) -> list[str]:
    from mpsp_qual.inputs.transcripts import read_transcript

    return [turn.text for f in _files(directory) for turn in read_transcript(f).turns]


def _peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_bare(directory: Path) -> dict:
    from mpsp_qual.inputs.segment import get_nlp

    texts = _turn_texts(directory)
    nlp = get_nlp()
    start = time.perf_counter()
    tokens = sum(len(doc) for doc in nlp.pipe(texts))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "tokens": tokens, "peak_mb": _peak_mb()}


def check_matching(project) -> int:
    """Auto-coding's matches found by plain comparison (what ``autocode`` runs) against
    spaCy's ``PhraseMatcher`` on the same segments; raises unless identical. Returns how
    many codings were compared. Outside the clock."""
    from mpsp_qual.coding import autocode as module

    plain = module._match_all(project)
    reference = module._match_all(project, find=module._matcher_find)
    if plain != reference:
        raise SystemExit("auto-coding by plain matching differs from the PhraseMatcher's")
    return len(plain[1])


def child_end_to_end(directory: Path, codebook: Path, autocode: bool, check: bool) -> dict:
    from mpsp_qual import Project
    from mpsp_qual.inputs.segment import get_nlp

    get_nlp()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        project = Project.init(Path(tmp) / "project", codebook=codebook)
        report = project.import_transcripts(
            _files(directory), register=directory / "participants.csv"
        )
        imported = time.perf_counter()
        codings = 0
        if autocode:
            from mpsp_qual.coding.autocode import autocode as run_autocode

            counts = run_autocode(project)
            codings = counts.attrs["codings"]
        end = time.perf_counter()
        peak_mb = _peak_mb()  # before the check, which holds a second set of matches
        checked = check_matching(project) if autocode and check else None
        project.close()
    return {
        "checked": checked,
        "seconds": end - start,
        "import_seconds": imported - start,
        "autocode_seconds": end - imported,
        "segments": report.segments,
        "codings": codings,
        "peak_mb": peak_mb,
    }


def _run_child(part: str, directory: Path, codebook: Path, check: bool = False) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            part,
            "--dir",
            str(directory),
            "--codebook",
            str(codebook),
        ]
        + (["--check"] if check else []),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(
    *,
    words: int,
    seed: int,
    autocode: bool,
    codebook: Path = CODEBOOK,
    repeat: int = 3,
    shapes: tuple[str, ...] = tuple(SHAPES),
) -> dict:
    """Time both sides on each corpus shape and print the figures; returns them by shape."""
    out = {}
    for shape in shapes:
        title, per_file = SHAPES[shape]
        print(f"\n== {title} ==")
        out[shape] = run_shape(
            words=words,
            seed=seed,
            autocode=autocode,
            codebook=codebook,
            repeat=repeat,
            per_file=per_file,
        )
    if len(out) > 1:
        what = "import + auto-coding" if autocode else "import"
        print(f"\nsummary ({what} against bare spaCy on the same texts, same run):")
        for shape, figures in out.items():
            print(
                f"  {SHAPES[shape][0]:<17} {figures['files']:>5} files  bare "
                f"{figures['words'] / figures['bare']['seconds']:>9,.0f} words/s  {what} "
                f"{figures['words'] / figures['end_to_end']['seconds']:>9,.0f} words/s  "
                f"ratio {figures['ratio']:.2f}  peak {figures['end_to_end']['peak_mb']:.0f} MB"
            )
    return out


def run_shape(
    *,
    words: int,
    seed: int,
    autocode: bool,
    codebook: Path = CODEBOOK,
    repeat: int = 3,
    per_file: int = 8000,
) -> dict:
    """Generate one corpus shape, time both sides, print the figures; returns them."""
    from corpus import generate_corpus

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        start = time.perf_counter()
        corpus = generate_corpus(directory, words=words, seed=seed, per_file=per_file)
        generated = time.perf_counter() - start
        counted = sum(len(t.split()) for t in _turn_texts(directory))
        print(
            f"corpus: {len(corpus.files)} transcripts of about {counted // len(corpus.files):,} "
            f"words, {counted:,} words (seed {seed}, generated in {generated:.1f} s); "
            f"best of {repeat} runs each"
        )
        # Alternate the two and keep each one's fastest run: other work on the machine
        # slows whichever happens to overlap it.
        bares, e2es = [], []
        for run in range(repeat):
            bares.append(_run_child("bare", directory, codebook))
            # The first run also checks the matches against spaCy's PhraseMatcher.
            e2es.append(
                _run_child("autocode" if autocode else "import", directory, codebook, run == 0)
            )
        checked = e2es[0]["checked"]
        bare = min(bares, key=lambda r: r["seconds"])
        e2e = min(e2es, key=lambda r: r["seconds"])
        e2e["peak_mb"] = max(r["peak_mb"] for r in e2es)
    bare_wps = counted / bare["seconds"]
    e2e_wps = counted / e2e["seconds"]
    what = "import + segmentation" + (" + auto-coding" if autocode else "")
    print(
        f"bare spaCy (blank en + sentencizer + lookup lemmatizer, nlp.pipe): "
        f"{bare['seconds']:.2f} s, {bare_wps:,.0f} words/s"
    )
    print(f"{what}: {e2e['seconds']:.2f} s, {e2e_wps:,.0f} words/s")
    detail = f"  import {e2e['import_seconds']:.2f} s, {e2e['segments']:,} segments"
    if autocode:
        detail += f"; auto-coding {e2e['autocode_seconds']:.2f} s, {e2e['codings']:,} codings"
        detail += f" with {codebook.name}"
    print(detail)
    if checked is not None:
        print(f"  matches checked against spaCy's PhraseMatcher: identical ({checked:,} codings)")
    print(
        "  (import tokenizes every turn, runs the sentencizer only on turns long enough to "
        "split, and takes lemmas from the same lookup table once per distinct word form)"
    )
    ratio = e2e_wps / bare_wps
    print(
        f"ratio (end to end / bare spaCy): {ratio:.2f}" + ("  (target >= 1.0)" if autocode else "")
    )
    print(
        f"peak memory of the end-to-end process (ru_maxrss): {e2e['peak_mb']:.0f} MB"
        + ("  (target < 1024 MB)" if autocode else "")
    )
    return {
        "words": counted,
        "files": len(corpus.files),
        "bare": bare,
        "end_to_end": e2e,
        "ratio": ratio,
    }


def main(autocode: bool = False, doc: str | None = None) -> None:
    parser = argparse.ArgumentParser(description=(doc or __doc__ or "").splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000, help="about how many words")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--codebook", type=Path, default=CODEBOOK)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each side; the fastest counts"
    )
    parser.add_argument(
        "--shape", choices=tuple(SHAPES), action="append", help="one shape (default: both)"
    )
    parser.add_argument("--child", choices=("bare", "import", "autocode"), help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "bare":
        print(json.dumps(child_bare(args.dir)))
    elif args.child:
        print(
            json.dumps(
                child_end_to_end(args.dir, args.codebook, args.child == "autocode", args.check)
            )
        )
    else:
        run(
            words=args.words,
            seed=args.seed,
            autocode=autocode,
            codebook=args.codebook,
            repeat=args.repeat,
            shapes=tuple(args.shape or SHAPES),
        )


if __name__ == "__main__":
    main()
