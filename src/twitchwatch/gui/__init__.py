"""The desktop window: PySide6 + pyqtgraph. The only part of twitchwatch that imports Qt.

    from twitchwatch.gui.app import run_gui
    run_gui("sim:rest-benign", quit_after_s=10, screenshot="shot.png")   # -> exit code

Modules, one job each. Without Qt (importable and testable anywhere):
``source_spec`` (``sim:NAME`` / ``file:PATH`` / ``lsl:NAME``, opening a source), ``playback``
(pause, speed and seek for files and the simulator), ``ring`` (the preallocated display ring
buffer), ``model`` (what crosses from the worker to the window: events with their waveform,
snapshots, strength-check captures, the one-slot queue), ``status_logic`` (the status from
`twitchwatch.assess`, or a minimal placeholder without it), ``decimate`` (peak-preserving
decimation to the plot's width), ``recording`` (XDF recording from the worker).
With Qt: ``worker`` (acquisition, detection and recording in a QThread), ``theme`` (colours,
words), ``trace_plot``, ``event_list``, ``event_detail``, ``rate_plot``, ``status_panel``,
``quality_panel``, ``replay_controls``, ``record_controls``, ``source_picker``,
``strength_wizard`` (the guided strength check), ``history_view`` (past sessions and checks,
trends), ``window`` (puts them together), ``app`` (QApplication, ``--quit-after``,
``--screenshot``).

Importing this package itself loads no Qt: ``twitchwatch --help`` stays fast.
"""
