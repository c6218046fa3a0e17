"""Where signal comes from: one `Source` interface for files, the simulator and (later) LSL.

    from twitchwatch.sources import FileSource, SimulatorSource
    with FileSource("rest.xdf") as src:
        while (chunk := src.read(4096)) is not None:
            ...                            # float32 (n, src.n_channels), microvolts
"""

from twitchwatch.sources.base import Source
from twitchwatch.sources.file import FileSource
from twitchwatch.sources.simulator import SimulatorSource

__all__ = ["Source", "FileSource", "SimulatorSource"]
