"""The streaming detection engine: numpy + numba + scipy filter design. Never imports Qt."""

from twitchwatch.engine.config import DetectorConfig
from twitchwatch.engine.detector import ChannelQuality, Detector
from twitchwatch.engine.events import EVENT_KINDS, Event

__all__ = ["Detector", "DetectorConfig", "ChannelQuality", "Event", "EVENT_KINDS"]
