"""The one door to Qt for the window's modules: PySide6, with a guard against a binding bug.

The PySide6 6.12.0 wheels installed here, run on CPython 3.11, hand out ``None`` (from every
method that returns nothing, e.g. ``QGraphicsItem.update``) and ``True`` (from
``SignalInstance.emit``) without taking a reference to them: as if built for CPython 3.12+,
where these singletons are immortal. Each call drops one reference; pyqtgraph makes thousands
of such calls per second, so the counts soon reach zero and CPython aborts ("none_dealloc:
deallocating None" / "bool_dealloc"), at the latest when the interpreter exits.

`guard_singleton_refcounts` detects the bug with two probes and, only then, makes ``None``,
``True``, ``False``, ``NotImplemented`` and ``Ellipsis`` effectively immortal (adds 2**40
references, as CPython 3.12+ does for them anyway; they are never freed in a running
interpreter). A sound PySide6, or CPython >= 3.12, needs no guard and gets none. Every Qt
module of the window imports Qt from here, so the guard is in place before the first widget.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6 import QtCore, QtGui, QtWidgets  # noqa: F401 - re-exported
from PySide6.QtCore import QObject, QThread, Signal  # noqa: F401 - re-exported

from twitchwatch._logging import logger

#: references added to each singleton when the bug is present (never used up by calls)
_PIN = 1 << 40
_PROBE_CALLS = 16
_SINGLETONS = (None, True, False, NotImplemented, Ellipsis)
guard_applied = False


def _add_references(obj, n: int) -> None:
    ref = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt: a PyObject's first field
    ref.value += n


def _lost(obj, call) -> int:
    before = sys.getrefcount(obj)
    for _ in range(_PROBE_CALLS):
        call()
    lost = before - sys.getrefcount(obj)
    if lost > 0:
        _add_references(obj, lost)  # give back what the probe itself took
    return lost


def binding_drops_singleton_references() -> bool:
    """True when PySide6 returns ``None``/``True`` without a reference (the bug above)."""

    class _Probe(QObject):
        sig = Signal()

    probe = _Probe()
    rect = QtCore.QRectF()
    half = _PROBE_CALLS // 2
    return _lost(True, probe.sig.emit) >= half or _lost(None, lambda: rect.setWidth(1.0)) >= half


def guard_singleton_refcounts() -> bool:
    """Apply the guard if this PySide6 needs it; returns whether it is applied."""
    global guard_applied
    if guard_applied:
        return True
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False  # the singletons are immortal there
    if binding_drops_singleton_references():
        import PySide6
        logger.info("PySide6 %s drops references to None/True on return (built as for CPython "
                    "3.12+); twitchwatch compensates. Another PySide6 build avoids it.",
                    getattr(PySide6, "__version__", "?"))
        for obj in _SINGLETONS:
            _add_references(obj, _PIN)
        guard_applied = True
    return guard_applied


guard_singleton_refcounts()
