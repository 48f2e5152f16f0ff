"""Benchmark: import + segmentation + auto-coding end to end, beside bare spaCy.

On a generated corpus of about 1,000,000 words (``bench/corpus.py``) and the partnership
codebook (``codebooks/partnerships.yaml``), prints the words per second of the whole
path (``Project.init``, ``import_transcripts`` with the register, ``autocode``) and of
the bare spaCy pipeline on the same turn texts, both timed in fresh child processes,
their ratio (the target is at least 0.5) and the end-to-end process's peak memory (the
target is below 1 GB).

    python bench/bench_autocode.py [--words 1000000] [--seed 7] [--repeat 3] [--codebook FILE]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402

if __name__ == "__main__":
    bench_import.main(autocode=True, doc=__doc__)
