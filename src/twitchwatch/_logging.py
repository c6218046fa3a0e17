"""The one package logger. The library logs; the application (CLI, GUI) configures handlers."""

from __future__ import annotations

import logging
import os

logger = logging.getLogger("twitchwatch")
logger.addHandler(logging.NullHandler())

_ENV_LEVEL = os.environ.get("TWITCHWATCH_LOG_LEVEL")
if _ENV_LEVEL:
    logger.setLevel(_ENV_LEVEL.upper())


def set_log_level(level: int | str) -> None:
    """Set the package log level (e.g. "DEBUG", "INFO", logging.WARNING)."""
    logger.setLevel(level.upper() if isinstance(level, str) else level)
