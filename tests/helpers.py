"""Helpers that several test modules share (the sample, small codings, reading outputs back).

Test modules live in folders that mirror the package's layers; what more than one of them
needs is here rather than imported from another test module.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from mpsp_qual import Project

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "transcripts_sample"


def output_text(path: Path) -> str:
    """Everything a reader could see in an output file, as one string."""
    suffix = path.suffix.lower()
    if suffix in (".md", ".csv", ".txt", ".json"):
        return path.read_text(encoding="utf-8")
    if suffix == ".docx":
        from docx import Document

        doc = Document(str(path))
        parts = [p.text for p in doc.paragraphs]
        parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
        # The raw XML too, so that text hidden from python-docx's paragraphs counts.
        with zipfile.ZipFile(path) as z:
            parts += [
                z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
            ]
        return "\n".join(parts)
    if suffix == ".xlsx":
        wb = load_workbook(path, read_only=True)
        text = "\n".join(
            str(value)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
        wb.close()
        return text
    raise AssertionError(f"no reader for {path}")


def distinctive_phrases() -> dict[str, list[str]]:
    """participant id -> phrases, from the sample README's "Distinctive phrases" section."""
    readme = SAMPLE / "README.md"
    if not readme.is_file():
        pytest.skip("transcripts_sample/README.md is not written yet")
    text = readme.read_text(encoding="utf-8")
    m = re.search(r"^## Distinctive phrases\s*$(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    if not m:
        pytest.skip("transcripts_sample/README.md has no 'Distinctive phrases' section yet")
    phrases: dict[str, list[str]] = {}
    current = None
    for line in m.group(1).splitlines():
        who = re.match(r"^(P\d+)\b", line.strip())
        if who:
            current = who.group(1)
            continue
        bullet = re.match(r"^\s*[-*]\s+`([^`]+)`", line)
        if bullet and current:
            phrases.setdefault(current, []).append(bullet.group(1))
    if not phrases:
        pytest.skip("the README lists no distinctive phrases yet")
    return phrases


def code_small(project: Project) -> None:
    """alice codes every participant segment of the conftest project."""
    codings = [
        ("alpha.txt#1.0", "capacity-constraints", None),
        ("alpha.txt#3.0", "misaligned-values", None),
        ("beta.txt#1.0", "lead-provider", None),
        ("beta.txt#2.0", "new-markets", None),
        ("beta.txt#4.0", "misaligned-values", None),
    ]
    project.record_codings("alice", codings, segments=[s for s, _, _ in codings])


def _phrases(*ids: str) -> list[str]:
    phrases = distinctive_phrases()
    return [ph for pid in ids for ph in phrases.get(pid, [])]


def raw_bytes(project: Project) -> bytes:
    """Every byte of the project file and its write-ahead log, as they are on disk now."""
    path: Path = project.store.path
    out = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        out += wal.read_bytes()
    return out


def build_half_approved_sample(d: Path) -> Path:
    """The sample auto-coded in ``d``, every other candidate quote approved, and approvals
    planted for the withdrawn (P06) and the declined (P07) participants, which must not
    matter to any output."""
    from mpsp_qual.consent.approvals import record_decision
    from mpsp_qual.consent.quotes import candidates

    with Project.init(
        d, codebook=ROOT / "codebooks" / "partnerships.yaml", register=SAMPLE / "participants.csv"
    ) as p:
        p.import_transcripts(sorted((SAMPLE / "interviews").glob("int*")))
        p.autocode()
        for q in candidates(p).drop_duplicates("quote_id").iloc[::2].itertuples():
            record_decision(p, q.quote_id, "approved")
        # Approvals planted for the withdrawn and the declined participants must not matter.
        for r in p.store.execute(
            "SELECT segment_id, participant_id, start, end, text FROM segment_view "
            "WHERE participant_id IN ('P06', 'P07')"
        ).fetchall():
            p.store.execute(
                "INSERT INTO quote_approvals VALUES (?, ?, ?, ?, ?, 'approved', NULL, '2025-01-01')",
                tuple(r),
            )
        p.store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return d
