"""Benchmark: coding sheet export and import, and the agreement report, at study scale.

On a generated corpus (``bench/corpus.py``, about 200,000 words by default) and the
partnership codebook, prints the seconds taken to export a coding sheet of every
participant segment, to fill it with random marks (openpyxl, not timed as ours), to
import it, to compute ``agreement_report`` between that coder and a second synthetic
coder who agrees on about 90% of decisions (1000 bootstrap resamples per code), and to
write the disagreements workbook.

    python bench/bench_sheets.py [--words 200000] [--seed 7] [--n-boot 1000]
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

import openpyxl  # noqa: E402
from corpus import CODEBOOK, generate_corpus  # noqa: E402

from mpsp_qual import Project  # noqa: E402
from mpsp_qual.analysis.agreement import agreement_report  # noqa: E402
from mpsp_qual.formats.disagreements import write_disagreements  # noqa: E402
from mpsp_qual.formats.sheets import CODING_SHEET, export_sheet, import_sheet  # noqa: E402


def timed(label: str, func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    print(f"{label:<34} {time.perf_counter() - start:8.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--n-boot", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = generate_corpus(tmp / "corpus", words=args.words, seed=args.seed)
        project = Project.init(tmp / "project", codebook=CODEBOOK, register=corpus.register)
        project.import_transcripts(corpus.files)
        segments = project.segments(participants_only=True, include_withdrawn=False)
        codes = [c.id for c in project.codebook.codable()]
        print(f"{corpus.words:,} words, {len(segments):,} participant segments, {len(codes)} codes")

        sheet = tmp / "alice.xlsx"
        n = timed("export_sheet (all segments)", export_sheet, project, sheet, coder="alice")
        wb = openpyxl.load_workbook(sheet)
        ws = wb[CODING_SHEET]
        alice: dict[str, set[str]] = {}
        header = [c.value for c in ws[1]]
        sid_col = header.index("segment_id") + 1
        for row in range(2, n + 2):
            chosen = set(rng.sample(codes, rng.choice((0, 1, 1, 2, 3))))
            alice[ws.cell(row=row, column=sid_col).value] = chosen
            for code in chosen:
                ws.cell(row=row, column=header.index(code) + 1).value = "x"
        wb.save(sheet)
        print(f"{'sheet size':<34} {sheet.stat().st_size / 1e6:8.2f} MB")
        timed("import_sheet", import_sheet, project, sheet)

        bob = []
        for sid, chosen in alice.items():
            mine = {c for c in chosen if rng.random() < 0.85}
            if rng.random() < 0.15:
                mine.add(rng.choice(codes))
            bob.extend((sid, c, None) for c in mine)
        project.record_codings("bob", bob, segments=list(alice))

        report = timed(
            f"agreement_report (n_boot={args.n_boot})",
            agreement_report,
            project,
            ["alice", "bob"],
            n_boot=args.n_boot,
        )
        pooled = report.iloc[-1]
        print(
            f"{'pooled alpha [95% CI]':<34} {pooled['alpha']:8.3f} "
            f"[{pooled['alpha_low']:.3f}, {pooled['alpha_high']:.3f}] over {pooled['n_units']:,} decisions"
        )
        rows = timed(
            "write_disagreements", write_disagreements, project, ["alice", "bob"], tmp / "d.xlsx"
        )
        print(f"{'disagreement rows':<34} {rows:8d}")
        project.close()


if __name__ == "__main__":
    main()
