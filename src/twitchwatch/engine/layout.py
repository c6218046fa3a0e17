"""Names of the columns in the engine's state and output arrays.

The compiled kernel keeps all its state in a handful of plain arrays (so it can be saved,
compared and carried between calls); these constants name their columns. Numba reads module
globals as compile-time constants, so they cost nothing at run time.
"""

# ---- event kinds (output column OI_KIND) -------------------------------------------------------
KIND_FASCICULATION = 0
KIND_CRAMP = 1
KIND_CONTRACTION = 2
KIND_ARTIFACT = 3
KIND_NAMES = ("fasciculation", "cramp", "contraction", "artifact")

# ---- event flags (bit mask, output column OI_FLAGS) -------------------------------------------
FLAG_DOUBLET = 1
FLAG_COMPLEX = 2
FLAG_ECG = 4
FLAG_MOTION = 8
FLAG_POP = 16
FLAG_CLIPPING = 32
FLAG_BURST = 64
FLAG_VOLUNTARY_MARKER = 128
FLAG_TOO_LARGE = 256
FLAG_NAMES = {
    FLAG_DOUBLET: "doublet",
    FLAG_COMPLEX: "complex",
    FLAG_ECG: "ecg",
    FLAG_MOTION: "motion",
    FLAG_POP: "pop",
    FLAG_CLIPPING: "clipping",
    FLAG_BURST: "burst",
    FLAG_VOLUNTARY_MARKER: "marked-voluntary",
    FLAG_TOO_LARGE: "too-large",
}

# ---- derived parameters (float64 vector built from DetectorConfig and fs) -------------------
(
    P_ALPHA_ENV,
    P_LF_HP_A,
    P_LF_LP_A,
    P_NOISE_BLOCK,
    P_HIST_N,
    P_FREEZE_FRAC,
    P_K_ON,
    P_OFF_FRAC,
    P_WAVE_K,
    P_MERGE_GAP,
    P_MAX_TWITCH,
    P_MAX_TWITCH_UV,
    P_CH_MERGE,
    P_DBL_MIN,
    P_DBL_MAX,
    P_DBL_RATIO,
    P_ISO,
    P_TRAIN_MIN,
    P_COMPLEX,
    P_MOTION_RATIO,
    P_CLIP_REPEAT,
    P_CLIP_K,
    P_CLIP_HOLD,
    P_CRAMP_MIN,
    P_EP_QUIET,
    P_ACTIVITY_MIN,
    P_CRAMP_FREQ,
    P_VOL_BREADTH,
    P_ECG_RR_MIN,
    P_ECG_RR_MAX,
    P_ECG_TOL,
    P_ECG_AMP,
    P_ECG_MISSED,
    P_WARMUP,
    P_MAINS_BLOCK,
    P_MAINS_RATIO,
    P_GCOEF0,
    P_GCOEF1,
    P_FS,
    P_MIN_WARM_BLOCKS,
    P_EDGE_FRAC,
    P_POT_GAP,
    P_ECG_MIN_BEATS,
    P_MIN_TWITCH,
    P_USE_FREQ,
    P_RING,
    P_RING_FRAC,
    P_ECG_DUR,
    P_BLOCK_Q,
    P_SEG_END_FRAC,
    P_NOTCH_TAU0,
    P_NOTCH_TAU1,
    P_MOTION_LF_UV,
    P_ECG_NCH,
    N_PARAMS,
) = range(55)

# ---- per-channel float state (NCF, n_channels): each field contiguous over channels ---------------------------------------------
(
    CF_ENV,
    CF_PREV_Y,
    CF_PREV_RAW,
    CF_LF_HP,
    CF_LF,
    CF_T_ON,
    CF_T_OFF,
    CF_FLOOR_RMS,
    CF_BLK_SUMSQ,
    CF_BLK_MAXE,
    CF_BLK_RAW_SUM,
    CF_BLK_RAW_SUMSQ,
    CF_RAW_STD,
    CF_BAND_RMS,
    CF_RAW_MIN,
    CF_G0_S1,
    CF_G0_S2,
    CF_G1_S1,
    CF_G1_S2,
    CF_MAINS0_UV,
    CF_MAINS1_UV,
    CF_SEG_YMAX,
    CF_SEG_YMIN,
    CF_SEG_ENERGY,
    CF_SEG_LFMAX,
    CF_SEG_LFMIN,
    CF_EP_ENERGY,
    CF_EP_MAXABS,
    CF_SEG_ABSMAX,
    CF_EP_DIFF,
    CF_LAST_PP,
    CF_BLK_RAW_MIN,
    CF_SEG_EMAX,
    CF_RAW_HI,
    CF_RAW_LO,
    CF_BLK_RAW_DSQ,
    CF_RAW_SMOOTH_HZ,
    CF_BLK_SUMSQ_ON,
    CF_FLOOR_ON,
    CF_SEG_ONMAX,
    NCF,
) = range(41)

# ---- per-channel int state (NCI, n_channels) -------------------------------------------------
(
    CI_IN_SEG,
    CI_SEG_START,
    CI_LAST_ABOVE,
    CI_AMP_FIRST,
    CI_AMP_LAST,
    CI_PHASES,
    CI_LAST_SIGN,
    CI_SEG_CLIP,
    CI_CLIP_RUN,
    CI_LAST_CLIP,
    CI_BLK_ACTIVE,
    CI_BLK_POS,
    CI_HIST_COUNT,
    CI_HIST_POS,
    CI_SEG_COUNT,
    CI_RUN_COUNT,
    CI_CLIPPED_SAMPLES,
    CI_SEG_ACTIVITY,
    CI_POTS,
    CI_POT1_END,
    CI_POT2_ONSET,
    CI_LAST_END,
    CI_ENVELOPE_BLOCKS,
    CI_MOTION_SAMPLES,
    NCI,
) = range(25)

# ---- per-channel segment ring (n_channels, SEG_RING, ...) -----------------------------------
SEG_RING = 32
(SI_ONSET, SI_END, SI_PHASES, SI_CLIP, SI_RUN, SI_LONG, SI_ECHO_ONSET, SI_ECHO_END, SI_IS_ECHO, NSI) = range(10)
(SF_PP, SF_ENERGY, SF_LF_PP, NSF) = range(4)

# ---- per-channel run ring: runs of potentials at continual intervals ---------------------------
RUN_RING = 16
(RI_FIRST_ONSET, RI_LAST_ONSET, RI_SIZE, RI_HAS_LONG, RI_FIRST_SEG, RI_LAST_PRIMARY_SEG, NRI) = range(7)

# ---- pending events (waiting for the isolation interval to pass) -----------------------------
PENDING_CAPACITY = 64
#: most events one sample can decide: every pending event and an episode
EVENTS_PER_SAMPLE_MAX = PENDING_CAPACITY + 2
#: input beyond this (1 kV) cannot be a biosignal: like NaN and Inf it is replaced by 0 µV (and
#: counted), since one such value would poison the filters' state for good
MAX_ABS_UV = 1e9
#: Within the ringing time of a large potential, a segment opens only when the onset envelope
#: exceeds that of a sine of half the ringing limit's p-p ((limit / 2)^2 / 8): the notch's
#: 50/60 Hz ringing after a millivolt twitch stands well out of the narrow onset band's noise,
#: and a segment opened on it would swallow the next twitch.
RINGING_OPEN_ENERGY = 1.0 / 32.0
#: samples the front end filters ahead of detection (kernel._front_end_span)
SPAN_SAMPLES = 64
(PI_ONSET, PI_END, PI_CH, PI_SEG, PI_MASK, PI_PHASES, PI_CLIP, PI_LONG, PI_NCH, PI_DEAD, PI_SPAN_END, NPI) = range(12)
(PF_PP, PF_ENERGY, PF_LF_PP, PF_SNR, NPF) = range(5)

# ---- global int / float state ---------------------------------------------------------------
(
    G_N,
    G_MAINS_FAM,
    G_MAINS_CAND,
    G_MAINS_CAND_COUNT,
    G_MAINS_POS,
    G_NPEND,
    G_NOUT,
    G_EP_OPEN,
    G_EP_START,
    G_EP_LAST,
    G_EP_MASK,
    G_EP_VOL,
    G_VOLUNTARY,
    G_ECG_ON,
    G_ECG_LAST,
    G_ECG_BEATS,
    G_ECG_CH,
    G_ECG_NH,
    G_ECG_MISSED,
    G_EP_PREV_START,
    G_EP_PREV_LAST,
    G_EP_PREV_MASK,
    G_EP_OPENED_AT,
    G_RECENT_POS,
    G_NEXT_DECISION,
    G_INVALID_SAMPLES,
    NGI,
) = range(27)
(GF_ECG_RR, GF_ECG_PP, GF_ECG_DUR, GF_ECG_NCH, NGF) = range(5)

# recently decided events, so later parts of them (echo, ringing) on other channels fold in
RECENT_EVENTS = 16
(RE_ONSET, RE_SPAN_END, RE_MASK, RE_PP_X1000, NRE) = range(5)

ECG_HISTORY = 12
(EH_ONSET, EH_PP, EH_DUR, EH_NCH, NEH) = range(5)

# ---- output rows ----------------------------------------------------------------------------
(OI_KIND, OI_CH, OI_ONSET, OI_END, OI_MASK, OI_FLAGS, OI_PHASES, OI_NCH, OI_DECIDED_AT, NOI) = range(10)
(OF_PP, OF_ENERGY, OF_SNR, OF_RMS, OF_FREQ, OF_BREADTH, NOF) = range(7)
