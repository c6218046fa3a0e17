"""Named constants of the formats layer, in one place, units in the names."""

from __future__ import annotations

# --- reading ------------------------------------------------------------------------------------
DEFAULT_CHUNK_SAMPLES = 4096
"""Rows per chunk yielded by ``Recording.iter_chunks`` unless the caller asks otherwise."""

MIN_EMG_FS_HZ = 100.0
"""Below this rate a signal cannot carry surface EMG (band ~20–450 Hz): allowed, but warned."""

FS_MISMATCH_REL_TOL = 0.005
"""A rate given by the caller and one found in the file may differ by this fraction (0.5 %)."""

EFFECTIVE_FS_WARN_REL = 0.05
"""Warn when an XDF stream's measured rate differs from its nominal rate by more than 5 %."""

FS_ROUND_REL_TOL = 1e-4
"""A rate estimated from time stamps within this fraction of an integer is rounded to it."""

# --- units --------------------------------------------------------------------------------------
UNIT_SCALE_TO_UV: dict[str, float] = {
    "v": 1e6,
    "volt": 1e6,
    "volts": 1e6,
    "mv": 1e3,
    "millivolt": 1e3,
    "millivolts": 1e3,
    "uv": 1.0,
    "µv": 1.0,  # micro sign U+00B5
    "μv": 1.0,  # Greek small letter mu U+03BC
    "microvolt": 1.0,
    "microvolts": 1.0,
}
"""Declared unit (lower-cased, stripped) -> factor to microvolts."""

ACCEPTED_UNITS_TEXT = "V/volts, mV/millivolts, uV/µV/microvolts (no unit = microvolts)"

NO_UNIT_WARNING = "no unit declared: assuming microvolts"

# --- XDF reading --------------------------------------------------------------------------------
XDF_LOAD_TIMEOUT_S = 5.0
"""Base time budget for loading one XDF file; a clear error comes after it instead of a hang."""

XDF_LOAD_TIMEOUT_S_PER_MB = 1.0
"""Extra budget per MB of file, so large legitimate files are not refused (pyxdf: ~0.1 s/MB)."""

XDF_SIGNAL_TYPE_PREFERENCE: tuple[tuple[str, ...], ...] = (("emg",), ("exg",), ("eeg",))
"""Stream types tried in order (case-insensitive) when picking the signal stream."""

XDF_JITTER_BREAK_S = 1.0
XDF_JITTER_BREAK_SAMPLES = 500
"""A gap larger than max(1 s, 500 samples) splits a regular stream into segments (pyxdf's rule)."""

XDF_CLOCK_RESET_MIN_JUMP_S = 5.0
XDF_CLOCK_RESET_MIN_OFFSET_CHANGE_S = 1.0
"""pyxdf's clock-reset thresholds, passed to it explicitly so our cost bound below stays sound."""

XDF_MAX_CLOCK_RESETS = 50
"""pyxdf fits each clock-reset segment with 1000 solver iterations (~15 ms); beyond this many
candidate resets (a corrupt file) reset handling is switched off, with a warning."""

XDF_MAX_CHANNELS = 65536
"""A stream header declaring more channels than this is treated as corrupt."""

XDF_STREAM_MIN_FILE_BYTES = 256 * 1024 * 1024
"""XDF files at least this big (uncompressed on disk) are streamed chunk by chunk in constant
memory (`xdf_stream`); smaller ones are loaded whole by pyxdf, the reference path."""

XDF_STREAM_MAX_CHUNK_BYTES = 64 * 1024 * 1024
"""The streaming reader holds one chunk at a time; a chunk claiming more than this (LabRecorder's
are kilobytes) is dropped as damaged rather than allowed to take the memory of the file."""

XDF_STREAM_READ_BLOCK_BYTES = 1024 * 1024
"""Read buffer of the streaming reader, and the block size of its Boundary search."""

# --- XDF writing --------------------------------------------------------------------------------
XDF_FSYNC_INTERVAL_S = 1.0
"""Chunks reach the OS on every write; the writer also fsyncs at most this often while writing."""

XDF_BOUNDARY_INTERVAL_S = 10.0
"""A Boundary chunk at least every 10 s of data or wall time (LabRecorder does the same)."""

XDF_MAX_CHUNK_S = 1.0
"""Long writes of a regular stream are split into Samples chunks of at most this much data."""

XDF_MAX_CHUNK_SAMPLES_IRREGULAR = 4096
"""Split size for streams without a nominal rate."""

# --- CSV ----------------------------------------------------------------------------------------
CSV_TIME_COLUMN_NAMES = frozenset({"time", "time_s", "timestamp", "t", "seconds"})
"""Column names (case-insensitive, unit suffix removed) that hold time in seconds."""

CSV_TIME_UNIT_SCALE_TO_S: dict[str, float] = {"": 1.0, "s": 1.0, "sec": 1.0, "ms": 1e-3}
"""Units accepted on a time column ("time [ms]") -> factor to seconds."""

CSV_COMMENT_PREFIXES = ("%", "#")

CSV_FS_ESTIMATE_ROWS = 4096
"""Rows read at open time to estimate the rate from the time column (median step)."""

CSV_VALUE_FORMAT = "%.9g"
"""Nine significant digits round-trip any float32 exactly."""

CSV_TIME_FORMAT = "%.12g"

CSV_WRITE_BLOCK_ROWS = 65536

CSV_MARKERS_SUFFIX = ".markers.csv"
"""Markers of ``rec.csv`` live next to it in ``rec.markers.csv`` (columns onset_s,text)."""

OPENBCI_CHANNEL_PREFIX = "exg channel"

# --- multi-signal files (EDF, WFDB, OpenSignals) ------------------------------------------------
EMG_SIGNAL_WORD = "emg"
"""A signal whose label or type contains this (case-insensitive) is taken as EMG by default."""

SIGNAL_LIST_MAX_SHOWN = 12
"""Error messages list at most this many of a file's signals."""

# --- EDF/BDF ------------------------------------------------------------------------------------
EDF_LOAD_WARN_MB = 512.0
"""BDF files are loaded whole (edfio has no lazy BDF reading): above this size, warn."""

# --- WFDB and PhysioNet text --------------------------------------------------------------------
PHYSIONET_TEXT_UNIT = "mV"
"""Values of a PhysioNet text export (``time_s value``) without a header beside it: millivolts."""

PHYSIONET_TEXT_DRIFT_WARN_S = 0.005
"""Warn when the time column strays from row/fs by more than this (rows are what counts)."""

TEXT_BAD_LINES_SHOWN = 5
"""Warnings name at most this many repaired or odd lines."""

# --- OpenSignals (PLUX: BITalino, biosignalsplux) ------------------------------------------------
OPENSIGNALS_EMG_TRANSFER: dict[str, tuple[float, float]] = {
    "bitalino": (3.3, 1009.0),
    "biosignalsplux": (3.0, 1000.0),
}
"""Device (lower case, from the header's "device") -> (VCC in volts, EMG gain): EMG in mV is
``((ADC / 2**n) - 0.5) * VCC / gain * 1000`` (PLUX sensor datasheets; biosignalsnotebooks'
``raw_to_phy``). Devices not listed (and BITalino variants) use the BITalino values."""

OPENSIGNALS_DEFAULT_TRANSFER = OPENSIGNALS_EMG_TRANSFER["bitalino"]

OPENSIGNALS_COUNTER_COLUMN = "nseq"
OPENSIGNALS_HEADER_MAX_LINES = 20
"""The JSON header and '# EndOfHeader' come within the first few lines of the file."""
