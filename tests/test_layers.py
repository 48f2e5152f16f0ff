"""The package's layers, as a user of the command line and a maintainer meet them.

``make test`` runs import-linter and ``tools/check_cycles.py`` before the suite; these
tests check what those promise from the outside: the command line starts without the
heavy libraries, the contracts hold, and the cycle check finds a circle when there is
one (counting an import inside a function).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ["pandas", "spacy", "numpy", "openpyxl", "lxml", "docx", "rapidfuzz", "krippendorff"]


def _loaded_after(code: str) -> list[str]:
    probe = (
        f"{code}\nimport sys, json\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_command_line_loads_no_heavy_library():
    assert _loaded_after("import mpsp_qual.cli") == []


def test_help_and_the_command_list_load_no_heavy_library():
    code = (
        "from click.testing import CliRunner\n"
        "from mpsp_qual.cli import cli\n"
        "r = CliRunner().invoke(cli, ['--help'])\n"
        "assert r.exit_code == 0 and 'prevalence' in r.output, r.output\n"
        "r = CliRunner().invoke(cli, ['quotes', '--help'])\n"
        "assert r.exit_code == 0, r.output\n"
    )
    assert _loaded_after(code) == []


def test_the_package_names_load_when_first_used():
    assert _loaded_after("import mpsp_qual; mpsp_qual.__version__") == []
    assert "pandas" in _loaded_after("import mpsp_qual; mpsp_qual.Project")


def test_the_layer_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.skip("import-linter is not installed in this environment")
    result = subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "pkgcycle" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _check(tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "check_cycles.py"), "pkgcycle"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path)},
    )


def test_the_cycle_check_finds_a_circle_closed_inside_a_function(tmp_path):
    _package(
        tmp_path,
        {
            "__init__.py": "",
            "low.py": "def f():\n    from pkgcycle import high\n    return high\n",
            "high.py": "from pkgcycle import low\n",
        },
    )
    result = _check(tmp_path)
    assert result.returncode == 1
    assert "import circle of 2 modules: pkgcycle.high, pkgcycle.low" in result.stdout


def test_the_cycle_check_passes_a_one_way_package_and_type_checking_imports(tmp_path):
    _package(
        tmp_path,
        {
            "__init__.py": "",
            "low.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkgcycle import high\n",
            "high.py": "from pkgcycle import low\n",
        },
    )
    result = _check(tmp_path)
    assert result.returncode == 0, result.stdout
    assert "0 import circles" in result.stdout


def test_the_package_itself_has_no_circle():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "check_cycles.py"), "mpsp_qual"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout
