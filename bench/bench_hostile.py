"""Benchmark: the unbounded inputs of issue 14, a huge transcript and a huge register.

Each case runs in a fresh child process and reports wall time and the child's peak
memory (``ru_maxrss``):

* ``transcript``: one generated ``Speaker: text`` transcript of ``--mb`` megabytes
  (200 by default), imported into a new project (``Project.init`` +
  ``import_transcripts``: reading, parsing, segmentation, the project file);
* ``register``: a participants register of ``--rows`` rows (1,000,000 by default),
  none of whose transcripts is imported, loaded with ``mpsp-qual register`` (so every
  row earns a warning), with the number of warning lines it printed.

    python bench/bench_hostile.py transcript [--mb 200]
    python bench/bench_hostile.py register [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VOCABULARY = (
    "we were stretched the lead provider kept changing terms capacity partnership board "
    "contract funding trust council staff volunteers money value agenda misaligned honestly "
    "never worked for us and then later after that meeting the commissioners said they"
)


def write_transcript(path: Path, megabytes: int, seed: int = 14) -> None:
    rng = random.Random(seed)
    words = VOCABULARY.split()
    target = megabytes * 1024 * 1024
    written = 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            question = " ".join(rng.choices(words, k=12)).capitalize() + "?"
            answer = ". ".join(
                " ".join(rng.choices(words, k=rng.randint(8, 20))).capitalize()
                for _ in range(rng.randint(2, 12))
            )
            block = f"Interviewer: {question}\nDana Reyes: {answer}.\n"
            out.write(block)
            written += len(block.encode("utf-8"))


def write_register(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("participant_id,transcript,speaker,consent_quotes,sector\n")
        for n in range(rows):
            out.write(f"P{n:07d},interview{n}.txt,Speaker {n},yes,Health\n")


def _peak_children_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def child_transcript(path: Path, project_dir: Path) -> dict:
    from mpsp_qual import Project

    start = time.perf_counter()
    with Project.init(project_dir) as project:
        report = project.import_transcripts([path])
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "segments": report.segments, "peak_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", choices=["transcript", "register", "child-transcript"])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    if args.case == "child-transcript":
        print(json.dumps(child_transcript(Path(args.paths[0]), Path(args.paths[1]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.case == "transcript":
            source = tmp / "huge.txt"
            write_transcript(source, args.mb)
            done = subprocess.run(
                [sys.executable, __file__, "child-transcript", str(source), str(tmp / "proj")],
                capture_output=True,
                text=True,
            )
            if done.returncode:
                print(done.stderr[-2000:], file=sys.stderr)
                sys.exit(1)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"transcript {args.mb} MB: {result['seconds']:.1f} s, "
                f"peak {result['peak_mb']:.0f} MB, {result['segments']:,} segments"
            )
            return
        register = tmp / "register.csv"
        write_register(register, args.rows)
        subprocess.run(
            [sys.executable, "-m", "mpsp_qual", "-p", str(tmp / "proj"), "init"],
            check=True,
            capture_output=True,
        )
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "mpsp_qual", "-p", str(tmp / "proj"), "register", str(register)],
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
        warnings = sum(1 for line in done.stderr.splitlines() if line.startswith("Warning:"))
        print(
            f"register {args.rows:,} rows: exit {done.returncode}, {seconds:.1f} s, "
            f"peak {_peak_children_mb():.0f} MB, {warnings} warning lines"
        )
        if done.stderr:
            print("  last line:", done.stderr.strip().splitlines()[-1][:200])


if __name__ == "__main__":
    main()
