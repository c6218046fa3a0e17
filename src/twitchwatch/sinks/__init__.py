"""Where results go: LSL outlets (and, later, event logs and recorders)."""

from twitchwatch.sinks.lsl_signal import SignalOutlet, make_stream_info, push_paced

__all__ = ["SignalOutlet", "make_stream_info", "push_paced"]
