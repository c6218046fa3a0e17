"""Test-session setup: LSL stays on this machine, Qt renders offscreen, numba errors surface."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Must happen before anything imports pylsl: liblsl reads its config once, at load time.
LSL_CONFIG = Path(__file__).with_name("lsl_api.cfg").resolve()
os.environ["LSLAPICFG"] = str(LSL_CONFIG)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The slow oracles and test helpers in tests/oracles import as ``oracles`` from every test folder.
_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Real recordings from other tools; tests using them skip where the folder is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real recordings not available: {SHARED_DATA} is absent (see shared/data/README.md)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _private_history(tmp_path_factory, monkeypatch):
    """Every test gets its own history database and data folder: `analyze` adds sessions to the
    history by default, and no test may touch the real one in the user's home."""
    folder = tmp_path_factory.mktemp("history")
    monkeypatch.setenv("TWITCHWATCH_HISTORY_DB", str(folder / "history.sqlite3"))
    monkeypatch.setenv("XDG_DATA_HOME", str(folder / "xdg-data"))
