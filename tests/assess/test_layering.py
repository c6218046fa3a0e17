"""`twitchwatch.assess` is a ground-floor domain: it imports no other domain and no higher floor."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import twitchwatch.assess

ASSESS_DIR = Path(twitchwatch.assess.__file__).resolve().parent
OTHER_FLOORS = ("twitchwatch.engine", "twitchwatch.sim", "twitchwatch.formats", "twitchwatch.sources",
                "twitchwatch.sinks", "twitchwatch.session", "twitchwatch.cli", "twitchwatch.gui",
                "twitchwatch.scoring")


def _imported_modules(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module)
    return out


def test_no_module_of_assess_imports_another_floor():
    files = sorted(ASSESS_DIR.glob("*.py"))
    assert len(files) >= 6
    for f in files:
        bad = [m for m in _imported_modules(f) if m.startswith(OTHER_FLOORS)]
        assert bad == [], f"{f.name} imports {bad}"


def test_importing_assess_loads_neither_numpy_kernels_nor_qt():
    script = ("import sys, twitchwatch.assess\n"
              "print(sorted(m for m in sys.modules if m.startswith(('numba', 'PySide6', 'pyqtgraph', "
              "'twitchwatch.engine', 'twitchwatch.session', 'scipy'))))")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
