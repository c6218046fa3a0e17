"""Where results go: event logs (CSV) and LSL outlets (and, later, recorders).

The LSL names are imported on first use, so that writing event logs does not need liblsl.
"""

from twitchwatch.sinks.event_log import COLUMNS as EVENT_CSV_COLUMNS
from twitchwatch.sinks.event_log import EventCsvWriter, event_record

_LSL_NAMES = ("SignalOutlet", "make_stream_info", "push_paced")

__all__ = ["EventCsvWriter", "EVENT_CSV_COLUMNS", "event_record", *_LSL_NAMES]


def __getattr__(name):
    if name in _LSL_NAMES:
        from twitchwatch.sinks import lsl_signal

        return getattr(lsl_signal, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
