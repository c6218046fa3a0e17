"""twitchwatch: real-time surface-EMG monitor for fasciculations, cramps and artefacts.

Not a diagnostic device: it describes what a sensor sees; only a clinician can diagnose.
"""

from twitchwatch._logging import logger, set_log_level

__version__ = "0.1.0"
NOT_A_DIAGNOSTIC_DEVICE = (
    "twitchwatch is not a diagnostic device: it describes the signal, it does not diagnose. "
    "See a clinician about weakness, wasting, or trouble with fine movements, swallowing or speech."
)

__all__ = ["logger", "set_log_level", "__version__", "NOT_A_DIAGNOSTIC_DEVICE"]
