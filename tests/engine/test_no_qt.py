"""The engine is pure computation: importing and running it never loads Qt or pyqtgraph."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import twitchwatch.engine

ENGINE_DIR = Path(twitchwatch.engine.__file__).resolve().parent
FORBIDDEN = ("PySide6", "PySide2", "PyQt5", "PyQt6", "PyQt", "shiboken", "pyqtgraph", "qtpy", "sip")

_SCRIPT = """
import sys
import numpy as np
import twitchwatch.engine as engine
from twitchwatch.engine import Detector, DetectorConfig
det = Detector(1000.0, 3, DetectorConfig())
rng = np.random.default_rng(0)
det.process(rng.standard_normal((5000, 3)).astype(np.float32) * 5)
det.quality()
det.finish()
forbidden = {forbidden!r}
loaded = sorted(m for m in sys.modules if m.startswith(forbidden))
print("LOADED:" + ",".join(loaded))
"""


def test_importing_and_running_the_engine_loads_no_qt():
    proc = subprocess.run([sys.executable, "-c", _SCRIPT.format(forbidden=FORBIDDEN)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [s for s in proc.stdout.splitlines() if s.startswith("LOADED:")][-1]
    assert line == "LOADED:", f"the engine pulled in GUI modules: {line[7:]}"


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(("." * node.level) + (node.module or ""))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__"):
            names += [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return names


def test_engine_sources_import_no_gui_module():
    files = sorted(ENGINE_DIR.rglob("*.py"))
    assert len(files) >= 7
    offenders = {f.name: [m for m in _imports(f) if m.lstrip(".").startswith(FORBIDDEN)] for f in files}
    assert not {k: v for k, v in offenders.items() if v}


def test_engine_imports_only_itself_and_the_package_logger_from_twitchwatch():
    """The ground floor: the engine knows nothing of sources, sinks, the session, the CLI or GUI."""
    allowed = ("twitchwatch.engine", "twitchwatch._logging")
    for f in sorted(ENGINE_DIR.rglob("*.py")):
        for m in _imports(f):
            if m.startswith("twitchwatch") or m.startswith("."):
                assert m.startswith(allowed) or m.startswith("."), f"{f.name} imports {m}"
