"""Terminal tables: every table command's default output fits 80 columns, --wide shows all,
percentages read as the workbook and the Word draft read them, and -p may follow the command."""

from __future__ import annotations

import glob
import shutil
from pathlib import Path

import click
import pandas as pd
import pytest

from mpsp_qual import Project
from mpsp_qual.cli import cli
from mpsp_qual.cli.base import project_first
from mpsp_qual.core.numbers import percent, round_half_up
from mpsp_qual.formats.terminal import fit_table

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "transcripts_sample"
CODEBOOK = ROOT / "codebooks" / "partnerships.yaml"


def table_commands() -> list[str]:
    """Every command that prints a table: those with --wide, and the quote bank."""
    found = ["quotes"]

    def walk(group: click.Group, path: tuple[str, ...] = ()) -> None:
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                walk(command, (*path, name))
            if any(p.name == "wide" for p in command.params):
                found.append(" ".join((*path, name)))

    walk(cli)
    return sorted(found)


#: The arguments each table command needs beyond its defaults.
ARGS = {
    "survey": [str(SAMPLE / "survey.csv")],
    "verify": [str(SAMPLE / "draft_report.md")],
    "agreement": ["--coders", "reviewer2,auto"],
    "quotes": ["--status", "all"],
}


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    """The sample, auto-coded, with the second coder's sheet imported."""
    if not (SAMPLE / "coder2_sheet.xlsx").is_file():
        pytest.skip("transcripts_sample is absent")
    d = tmp_path_factory.mktemp("terminal") / "project"
    files = glob.glob(str(SAMPLE / "interviews" / "*"))
    with Project.init(d, codebook=CODEBOOK, register=SAMPLE / "participants.csv") as p:
        p.import_transcripts([f for f in files if not Path(f).name.lower().startswith("readme")])
        p.autocode()
        from mpsp_qual.formats.sheets import import_sheet

        import_sheet(p, SAMPLE / "coder2_sheet.xlsx")
    return d


def test_the_table_commands_are_all_here():
    assert set(table_commands()) >= {
        "prevalence", "matrix", "framework", "survey", "codes", "codings", "documents",
        "turns", "participants", "segments", "verify", "agreement", "quotes", "autocode",
    }  # fmt: skip


@pytest.mark.parametrize("command", table_commands())
def test_every_table_command_fits_80_columns(runner, sample_dir, tmp_path, command):
    target = tmp_path / "project"
    shutil.copytree(sample_dir, target)
    words = command.split()
    result = runner.invoke(cli, ["-p", str(target), *words, *ARGS.get(command, [])])
    assert result.exit_code in (0, 1), result.output  # verify exits 1 on unapproved quotes
    lines = result.stdout.splitlines()
    assert lines, f"{command} printed nothing"
    too_wide = [line for line in lines if len(line) > 80]
    assert not too_wide, f"{command}: {len(too_wide)} lines over 80, e.g. {too_wide[0]!r}"


def test_wide_prints_whole_rows(runner, sample_dir, tmp_path):
    target = tmp_path / "project"
    shutil.copytree(sample_dir, target)
    wide = runner.invoke(cli, ["-p", str(target), "matrix", "--wide"]).stdout.splitlines()
    fitted = runner.invoke(cli, ["-p", str(target), "matrix"]).stdout.splitlines()
    assert max(len(line) for line in wide) > 300  # one line per participant, every code
    assert len(fitted) > len(wide)  # the same, in blocks


def test_p_after_the_command_name(runner, sample_dir, tmp_path):
    target = tmp_path / "project"
    shutil.copytree(sample_dir, target)
    before = runner.invoke(cli, ["-p", str(target), "documents"])
    after = runner.invoke(cli, ["documents", "-p", str(target)])
    assert after.exit_code == 0, after.output
    assert after.stdout == before.stdout
    joined = runner.invoke(cli, ["documents", f"--project={target}"])
    assert joined.stdout == before.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["prevalence", "-p", "d"], ["--project", "d", "prevalence"], id="after"),
        pytest.param(["-p", "d", "prevalence"], ["-p", "d", "prevalence"], id="before"),
        pytest.param(["sheet", "export", "-pd"], ["--project", "d", "sheet", "export"], id="glued"),
        pytest.param(["verify", "--", "-p"], ["verify", "--", "-p"], id="after-dashes"),
    ],
)
def test_project_first(args, expected):
    assert project_first(args) == expected


# -- one rounding rule ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fraction", "text"),
    [(0.625, "63%"), (0.125, "13%"), (0.375, "38%"), (0.005, "1%"), (2 / 3, "67%"),
     (0.285, "29%"), (1.0, "100%"), (0.0, "0%"), (float("nan"), "")],
)  # fmt: skip
def test_percent_rounds_half_up(fraction, text):
    assert percent(fraction) == text


def test_round_half_up_reads_the_float_as_shown():
    assert round_half_up(87.0967741935484, 1) == 87.1
    assert round_half_up(0.0625, 3) == 0.063  # Python's round() gives 0.062


def test_the_terminal_prints_fractions_as_percentages():
    frame = pd.DataFrame({"code": ["a", "b"], "n": [8, 8], "pct_participants": [0.625, 1.0]})
    lines = fit_table(frame).splitlines()
    assert lines[0].split() == ["code", "pct_participants", "n"]
    assert lines[1].split() == ["a", "63%", "8"]
