"""Named constants of the simulator, in one place, units in the names.

Physiology numbers follow DESIGN.md section 1 (sources named there); where a number is a
modelling choice rather than a measurement it says so.
"""

from __future__ import annotations

# --- acquisition -------------------------------------------------------------------------------
FS_MIN_HZ = 200.0
FS_MAX_HZ = 10_000.0
CHANNELS_MIN = 1
CHANNELS_MAX = 64
#: Largest simulation accepted (samples x channels); 4e8 float32 values = 1.6 GB.
MAX_VALUES = 400_000_000
UNIT = "microvolts"
CHANNEL_LABEL_PREFIX = "EMG"

#: The sensor's anti-alias filter is modelled as a Gaussian low-pass with sigma = this / fs.
#: Its gain at Nyquist is exp(-2 pi^2 (0.683/2)^2) = 0.1 and its -3 dB point is 0.19 fs
#: (390 Hz at 2 kHz; 49 Hz at 250 Hz, a little below the ~65 Hz of a consumer ADC's sinc filter
#: at 250 SPS, traded for less aliasing). A Gaussian keeps Gaussian-derivative waveforms
#: analytic: smoothing only widens each component, so waveforms are evaluated at the sample
#: times without folding content from above Nyquist.
ANTI_ALIAS_SIGMA_X_PERIOD = 0.683

# --- MUAP shapes ---------------------------------------------------------------------------------
#: Duration of a MUAP = span where |waveform| >= this fraction of its largest |value|.
EXTENT_THRESHOLD = 0.05
#: A phase is a lobe between baseline crossings whose peak reaches this fraction of max |value|.
PHASE_THRESHOLD = 0.05
MUAP_DURATION_MIN_S = 0.005
MUAP_DURATION_MAX_S = 0.025
#: Complex fasciculation potentials have more than 4 phases (Shimizu 2014).
COMPLEX_MIN_PHASES = 5
#: Mean spectral frequency ranges of single MUAPs (modelling choice; surface EMG energy is mostly
#: 50-200 Hz). Cramp MUAPs are higher in frequency than voluntary ones: ~100 vs ~75 Hz (Ross 1995,
#: Roeleveld 2000).
FASCICULATION_MNF_HZ = (60.0, 120.0)
CRAMP_MNF_HZ = (88.0, 115.0)
VOLUNTARY_MNF_HZ = (65.0, 88.0)
#: Fraction of fasciculating units given complex (>4 phase) shapes when not overridden.
COMPLEX_FRACTION = 0.1

# --- spatial model: a linear array, channel c at position c (channel units) ---------------------
#: Amplitude falls as exp(-distance / spread); spread (lambda) ranges in channel units.
TWITCH_SPREAD_CH = (0.7, 1.3)
CRAMP_SPREAD_CH = (0.6, 1.2)
VOLUNTARY_SPREAD_CH = (2.0, 3.5)
#: Volume-conductor low-pass: extra Gaussian smoothing per channel of distance, capped.
VOLUME_CONDUCTOR_SIGMA_S_PER_CH = 0.0004
VOLUME_CONDUCTOR_MAX_DISTANCE_CH = 3.0
#: Propagation delay along the array (fibres run along it; ~4 m/s, ~2 mm effective shift).
PROPAGATION_DELAY_S_PER_CH = 0.0005
#: A channel counts as reached when its amplitude is at least this fraction of the strongest.
CHANNEL_REACH_FRACTION = 0.2
#: Gains below this are treated as zero (keeps rendering windows short on big arrays).
GAIN_FLOOR = 1e-4

# --- fasciculations ------------------------------------------------------------------------------
#: Doublet second discharge 10-110 ms after the first (Kleine 2012); intervals are log-normal
#: around the F-wave latency (~35 ms) and clipped to that range.
DOUBLET_INTERVAL_S = (0.010, 0.110)
DOUBLET_INTERVAL_MEDIAN_S = 0.035
DOUBLET_INTERVAL_LOG_SD = 0.5
#: Twitches are placed where their waveform fits inside the recording.
EDGE_MARGIN_S = 0.05

# --- cramps (Minetto 2009 unless noted) ----------------------------------------------------------
CRAMP_RATE_MEAN_HZ = 14.5
CRAMP_RATE_SD_HZ = 5.1
CRAMP_RATE_RANGE_HZ = (6.0, 25.0)
CRAMP_ISI_CV = 0.45
CRAMP_DOUBLET_FRACTION = 0.04
CRAMP_DOUBLET_INTERVAL_S = (0.005, 0.020)
CRAMP_RAMP_UP_S = (1.0, 3.0)
CRAMP_RAMP_DOWN_S = (1.0, 3.0)
#: Cramp units sit around a centre with this SD (channel units): localised to part of the array.
CRAMP_LOCATION_SD_CH = 0.5
#: Relative sizes of cramp units (log-uniform).
CRAMP_UNIT_SIZE_RANGE = (0.3, 1.0)

# --- voluntary contraction (Fuglevand-style recruitment, Henneman's size principle) -------------
VOLUNTARY_UNITS = 60
VOLUNTARY_RATE_MIN_HZ = 8.0
VOLUNTARY_RATE_MAX_HZ = 35.0
VOLUNTARY_ISI_CV = (0.15, 0.20)
#: Recruitment thresholds span a 30-fold range; the last unit is recruited at 60 % effort.
RECRUITMENT_RANGE = 30.0
RECRUITMENT_LIMIT_EFFORT = 0.6
#: Largest unit is 10 times the smallest (p-p).
VOLUNTARY_SIZE_RANGE = 10.0
VOLUNTARY_RAMP_S = (0.5, 2.0)
#: Surface RMS from ~70 uV at light effort to ~500 uV at 80 % MVC (one biceps study; uncertain):
#: interpolated log-linearly between these anchor points.
VOLUNTARY_RMS_ANCHORS = ((0.1, 70.0), (0.8, 500.0))

# --- episodes (cramps and contractions share one timeline, never overlapping) --------------------
EPISODE_GAP_S = 2.0
EPISODE_EDGE_S = 1.0
EPISODE_MIN_S = 1.0

# --- noise ---------------------------------------------------------------------------------------
#: 1/f noise is flat below this frequency (keeps the baseline from wandering without bound).
PINK_CORNER_HZ = 1.0

# --- mains ---------------------------------------------------------------------------------------
MAINS_HARMONIC_RELATIVE = {2: (0.1, 0.3), 3: (0.2, 0.5)}
MAINS_FREQUENCY_DEVIATION_HZ = 0.02
MAINS_AMPLITUDE_DRIFT = 0.08
MAINS_DRIFT_KNOT_S = 2.0
MAINS_CHANNEL_GAIN = (0.6, 1.0)
MAINS_CHANNEL_PHASE_RAD = 0.15

# --- ECG (far field) -----------------------------------------------------------------------------
ECG_HRV_FRACTION = 0.05
ECG_HRV_AR = 0.7
ECG_CHANNEL_GAIN = (0.4, 1.0)
#: Beat template relative to the R peak: (name, centre s, sigma s, weight). QRS ~90 ms, sharp R.
ECG_WAVES = (
    ("P", -0.170, 0.025, 0.10),
    ("Q", -0.024, 0.0065, -0.15),
    ("R", 0.000, 0.0075, 1.00),
    ("S", 0.027, 0.0075, -0.30),
    ("T", 0.280, 0.050, 0.25),
)
#: Truth QRS window = Q centre - ECG_QRS_SIGMAS sigma .. S centre + ECG_QRS_SIGMAS sigma.
ECG_QRS_SIGMAS = 3.0

# --- motion, pops --------------------------------------------------------------------------------
MOTION_DURATION_S = (0.1, 1.0)
MOTION_FREQUENCY_HZ = (1.0, 10.0)
MOTION_SPREAD_CH = (1.0, 3.0)
POP_TAU_S = (0.02, 0.3)
