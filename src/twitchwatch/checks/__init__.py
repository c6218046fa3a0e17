"""Checks on the signal as it arrives, before the detector sees it (used by `Session`).

- `wrap.WrapUnwrapper`: integer overflow wraps (a 16-bit value that went past +32767 and came
  back as -32768: jumps of ~65536 counts between neighbouring samples) are found, counted and
  undone, so the jump is not mistaken for a twitch.
- `scale.ScaleCheck`: the typical amplitude of each channel shows values in volts or millivolts
  (or counts) where microvolts were expected; the warning says what to pass instead.
- `layout.check_layout`: a chunk with another channel count than the stream started with is a
  clear `InputLayoutError`, never a silent misalignment.

Imports nothing from twitchwatch but its logger.
"""

from twitchwatch.checks.layout import InputLayoutError, check_layout
from twitchwatch.checks.scale import ScaleCheck
from twitchwatch.checks.wrap import WrapUnwrapper

__all__ = ["InputLayoutError", "check_layout", "ScaleCheck", "WrapUnwrapper"]
