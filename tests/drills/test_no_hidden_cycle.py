"""The sweep, the drill runs and the drill messages used to import each other from inside functions (a cycle
hidden from the importer). Now the sweep hands its step pass to the drills, and drill messages read scenario time
from `bot.drills.timescale`: every `bot` import of these packages sits at the top of its module, and each module
imports first in a fresh interpreter."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.support import ROOT

PACKAGES = ("bot/followups", "bot/drills", "bot/scheduling")


def nested_bot_imports(path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    found = []
    for node in ast.walk(tree):
        if id(node) in top:
            continue
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "bot":
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: from {node.module}")
        elif isinstance(node, ast.Import) and any(a.name.split(".")[0] == "bot" for a in node.names):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: import")
    return found


def test_no_bot_import_is_hidden_inside_a_function():
    found = [
        hit
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for hit in nested_bot_imports(path)
    ]
    assert found == []


@pytest.mark.parametrize(
    "module", ["bot.scheduling.sweep", "bot.drills.run", "bot.drills.messaging", "bot.followups.flows"]
)
def test_each_module_imports_first_in_a_fresh_interpreter(module):
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
