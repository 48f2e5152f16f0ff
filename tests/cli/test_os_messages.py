"""Right messages for the OS: full disk, read-only project, busy database, two writers,
killed outputs and a half-made project.

A full disk is simulated (there is no small filesystem to fill here): the store's
writer or checkpoint is made to fail as SQLite fails on a full disk, with
``sqlite3.OperationalError("database or disk is full")`` after SQLite's own rollback,
and file writes with ``OSError(ENOSPC)``. The read-only project is a real read-only
bind mount, in a mount namespace of its own, where the system allows one.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mpsp_qual import Project
from mpsp_qual.cli import cli
from mpsp_qual.core.errors import ProjectError
from mpsp_qual.store.db import Store
from mpsp_qual.store.documents import Documents


def invoke(runner, directory: Path, *args):
    return runner.invoke(cli, ["-p", str(directory), *map(str, args)])


def full_after_rollback(self, *args, **kwargs):
    # SQLite rolls the transaction back itself when the disk fills, then reports it.
    self._store.conn.execute("ROLLBACK")
    raise sqlite3.OperationalError("database or disk is full")


def test_full_disk_during_import(runner, tmp_path, small_files, monkeypatch):
    Project.init(tmp_path / "proj", register=small_files["register"]).close()
    monkeypatch.setattr(Documents, "write", full_after_rollback)
    result = invoke(runner, tmp_path / "proj", "import", small_files["alpha"])
    assert result.exit_code == 1
    assert "project.sqlite is full" in result.stderr.replace("holding ", "")
    assert "free some space and run the command again" in result.stderr
    assert "cannot rollback" not in result.stderr and "Traceback" not in result.output
    monkeypatch.undo()
    with Project.open(tmp_path / "proj") as project:
        assert project.documents().empty


def test_full_disk_during_purge_compaction(runner, project, monkeypatch):
    project.close()

    def full(self):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "_checkpoint", full)
    result = invoke(runner, project.directory, "participant", "withdraw", "P02", "--purge")
    assert result.exit_code == 1
    assert "is full, so it could not be compacted" in result.stderr
    assert "another program" not in result.stderr


def test_init_on_a_full_disk_leaves_no_half_project(runner, tmp_path, small_files, monkeypatch):
    def full(self):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "migrate", full)
    result = invoke(runner, tmp_path / "new", "init", "--codebook", small_files["codebook"])
    assert result.exit_code == 1
    assert "is full" in result.stderr and "Traceback" not in result.output
    assert not any((tmp_path / "new").glob("project.sqlite*"))


def test_two_identical_imports_at_once(tmp_path, small_files, monkeypatch):
    Project.init(tmp_path / "proj", register=small_files["register"]).close()
    first, second = Project.open(tmp_path / "proj"), Project.open(tmp_path / "proj")
    import mpsp_qual.app.importing as importing

    real = importing.read_transcript
    raced = []

    def racing(path, **kwargs):
        # The other import finishes between this one's checks and its writes.
        if not raced:
            raced.append(path)
            monkeypatch.setattr(importing, "read_transcript", real)
            first.import_transcripts([path])
        return real(path, **kwargs)

    monkeypatch.setattr(importing, "read_transcript", racing)
    try:
        with pytest.raises(
            ProjectError, match="changed by another command .* run the command again"
        ):
            second.import_transcripts([small_files["alpha"]])
        assert list(second.documents()["document"]) == ["alpha.txt"]
    finally:
        first.close()
        second.close()


def test_an_output_error_names_the_output_not_its_temporary_file(
    runner, project, tmp_path, monkeypatch
):
    project.close()
    real = Path.write_text

    def full(self, *args, **kwargs):
        if self.name.startswith("."):
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    out = tmp_path / "turns.csv"
    result = invoke(runner, project.directory, "turns", "-o", out, "--internal")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {out}: the disk is full; free some space and run the command again."
    )
    assert not list(tmp_path.glob(".turns.csv*"))


def test_a_killed_outputs_temporary_file_is_cleaned_on_the_next_run(runner, project, tmp_path):
    project.close()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = tmp_path / f".turns.csv.{gone.pid}.k1ll3d.csv"
    stale.write_text("half a table", encoding="utf-8")
    result = invoke(runner, project.directory, "turns", "-o", tmp_path / "turns.csv", "--internal")
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert (tmp_path / "turns.csv").is_file()


def _read_only_mount_available() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "true"], capture_output=True
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _read_only_mount_available(), reason="no mount namespaces here")
def test_a_read_only_project_can_still_be_listed(project, tmp_path):
    project.close()
    view = tmp_path / "view"
    view.mkdir()
    before = (project.directory / "project.sqlite").read_bytes()

    def run(*args: str) -> subprocess.CompletedProcess:
        script = (
            f'mount --bind "{project.directory}" "{view}" && '
            f'mount -o remount,bind,ro "{view}" && '
            f'"{sys.executable}" -m mpsp_qual -p "{view}" ' + " ".join(args)
        )
        return subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            capture_output=True,
            text=True,
        )

    listed = run("participants", "--format", "csv")
    assert listed.returncode == 0, listed.stderr
    assert "P01" in listed.stdout and "Traceback" not in listed.stderr
    changed = run("register", str(tmp_path / "in" / "participants.csv"))
    assert changed.returncode == 1
    assert "is read-only" in changed.stderr and "can be listed but not changed" in changed.stderr
    assert "Traceback" not in changed.stderr
    assert (project.directory / "project.sqlite").read_bytes() == before
