"""The web layer's place: it imports only the app and core layers, nothing imports it,
and the web framework is imported nowhere else."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mpsp_qual"
FRAMEWORK = ("starlette", "uvicorn", "jinja2")


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_web_layer_imports_only_app_and_core():
    for path in (PACKAGE / "web").rglob("*.py"):
        ours = {m for m in imports(path) if m.startswith("mpsp_qual")}
        bad = {
            m
            for m in ours
            if not m.startswith(("mpsp_qual.app", "mpsp_qual.core", "mpsp_qual.web"))
        }
        assert not bad, f"{path.name} imports {bad}"


def test_nothing_imports_the_web_layer_and_only_it_imports_the_framework():
    for path in PACKAGE.rglob("*.py"):
        if "web" in path.relative_to(PACKAGE).parts:
            continue
        found = imports(path)
        assert not any(m.startswith("mpsp_qual.web") for m in found), path
        assert not any(m.split(".")[0] in FRAMEWORK for m in found), path


def test_the_cli_does_not_load_the_web_server_or_framework():
    # (jinja2 is left out: spaCy itself imports it.)
    code = (
        "import sys, mpsp_qual.cli; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'mpsp_qual.web') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
