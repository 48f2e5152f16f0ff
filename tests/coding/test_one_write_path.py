"""One write path: auto-coding reads and writes in one transaction, and a segment whose
text changes on a re-import gets a new id."""

from __future__ import annotations

import pytest

from mpsp_qual import Project
from mpsp_qual.coding import autocode as autocode_module
from mpsp_qual.core.errors import ProjectError


def change_alpha(small_files, old: str, new: str) -> None:
    alpha = small_files["alpha"]
    alpha.write_text(alpha.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_a_reimport_while_autocode_runs_is_told_busy(project, small_files, monkeypatch):
    other = Project.open(project.directory)
    change_alpha(small_files, "stretched, honestly", "fine, honestly")
    real = autocode_module._match
    outcome = []

    def match_while_another_imports(*args, **kwargs):
        if not outcome:
            try:
                other.import_transcripts([small_files["alpha"]], replace=True)
                outcome.append("imported")
            except ProjectError as exc:
                outcome.append(str(exc))
        return real(*args, **kwargs)

    monkeypatch.setattr(autocode_module, "_match", match_while_another_imports)
    try:
        project.autocode()
    finally:
        other.close()
    assert len(outcome) == 1 and "is busy" in outcome[0] and "retry" in outcome[0]
    # Every auto coding is on the text it was computed from.
    codings = project.codings(coder="auto")
    texts = project.segments().set_index("segment_id")["text"]
    assert "capacity-constraints" in set(
        codings.loc[codings["segment_id"] == "alpha.txt#1.0", "code"]
    )
    assert "stretched" in texts["alpha.txt#1.0"]


def test_a_segment_whose_text_changes_gets_a_new_id(project, small_files):
    before = set(project.segments()["segment_id"])
    change_alpha(small_files, "from day one", "from the first week")
    project.import_transcripts([small_files["alpha"]], replace=True)
    after = set(project.segments()["segment_id"])
    assert "alpha.txt#1.0" not in after and "alpha.txt#1.0~1" in after
    assert {"alpha.txt#0.0", "alpha.txt#3.0"} <= after & before  # unchanged text, same id
    change_alpha(small_files, "from the first week", "from day one")
    project.import_transcripts([small_files["alpha"]], replace=True)
    assert "alpha.txt#1.0~2" in set(project.segments()["segment_id"])


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "write"])
def test_autocode_still_counts(project, dry_run):
    frame = project.autocode(dry_run=dry_run)
    assert frame.attrs["segments"] > 0 and frame.attrs["dry_run"] is dry_run
