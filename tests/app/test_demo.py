"""`make demo` runs the whole pipeline, writes every output, and is idempotent."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mpsp_qual.app.demo import run_demo

OUTPUTS = ["summary.xlsx", "quotes.md", "quotes.docx", "project.qdpx", "codebook.qdc"]


def dump(path: Path) -> list[str]:
    """Every row of the project file but the audit log, as SQL."""
    conn = sqlite3.connect(path)
    try:
        return [line for line in conn.iterdump() if 'INSERT INTO "audit"' not in line]
    finally:
        conn.close()


def test_the_demo_writes_its_outputs_and_a_second_run_changes_nothing(tmp_path):
    lines: list[str] = []
    tables: dict[str, object] = {}
    run_demo(tmp_path, log=lines.append, show=tables.__setitem__).close()
    for name in OUTPUTS:
        assert (tmp_path / name).stat().st_size > 0, name
    project_file = tmp_path / "project" / "project.sqlite"
    first = dump(project_file)
    assert any(line.startswith("Imported 8 transcripts") for line in lines)
    assert any("5 of 5 quoted passages pass" in line for line in lines)

    lines.clear()
    run_demo(tmp_path, log=lines.append, show=tables.__setitem__).close()

    assert any(line.startswith("Imported 0 transcripts (8 unchanged)") for line in lines)
    assert dump(project_file) == first
