"""The documentation is tested: every command has help and is in the README."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from mpsp_qual.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))


COMMANDS = list(command_paths(cli))


@pytest.mark.parametrize("path, command", [pytest.param(p, c, id=" ".join(p)) for p, c in COMMANDS])
def test_every_command_has_help_and_is_in_the_readme(path, command):
    assert command.help and command.help.strip(), f"{' '.join(path)} has no help text"
    assert f"mpsp-qual {' '.join(path)}" in README, f"README lacks `mpsp-qual {' '.join(path)}`"


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```", 2)[1]
    assert "make demo" in first_block and "make test" in first_block


def test_python_m_runs_the_cli():
    out = subprocess.run(
        [sys.executable, "-m", "mpsp_qual", "--help"], capture_output=True, text=True, check=True
    )
    assert "Usage: mpsp-qual" in out.stdout or "Usage: python -m mpsp_qual" in out.stdout


def test_readme_session_commands_are_real_commands():
    names = {" ".join(p) for p, _ in COMMANDS}
    block = README.split("## A session", 1)[1].split("```")[1]
    for line in block.strip().splitlines():
        words = shlex.split(line.split("#", 1)[0])
        assert words[0] == "mpsp-qual"
        rest = [w for w in words[1:] if not w.startswith("-")]
        # skip the -p DIR value
        if words[1] == "-p":
            rest = [w for w in words[3:] if not w.startswith("-")]
        candidates = {" ".join(rest[:2]), rest[0]}
        assert candidates & names, line
        assert re.match(r"^[a-z-]+$", rest[0])


def test_the_readme_session_runs(tmp_path, monkeypatch, runner):
    """The README's session, run line by line in a scratch folder holding the sample."""
    import shutil

    for folder in ("codebooks", "transcripts_sample"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    block = README.split("## A session", 1)[1].split("```")[1]
    results = {}
    for line in block.strip().splitlines():
        words = shlex.split(line.split("#", 1)[0])
        result = runner.invoke(cli, words[1:])
        results[" ".join(words[3:5])] = result
        expected = 1 if words[3] == "verify" else 0
        assert result.exit_code == expected, (line, result.output)
    # Nothing is approved yet (nobody filled requests.xlsx), so the draft may not go out.
    assert "not approved" in results["verify transcripts_sample/draft_report.md"].output
    assert (tmp_path / "summary.xlsx").is_file() and (tmp_path / "quotes.docx").is_file()
