"""Named scenarios: what each simulates, its defaults, and validation of the parameters.

``ScenarioParams`` holds every knob, units in the names. A scenario is a name, a one-line
description (shown by ``twitchwatch simulate --help``), a longer doc, and default params.
``resolve_params`` applies the caller's duration/fs/channels and overrides, and validates them.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field

from twitchwatch.sim.constants import (
    CHANNELS_MAX,
    CHANNELS_MIN,
    COMPLEX_FRACTION,
    FS_MAX_HZ,
    FS_MIN_HZ,
    MAX_VALUES,
)

Range = tuple[float, float]


@dataclass(frozen=True)
class ScenarioParams:
    """Everything that shapes a simulation. Amplitudes in microvolts (uV), times in seconds.

    Fasciculations (twitches)
        twitch_rate_per_min: Poisson rate of twitch events over the whole array (a doublet is
            one event). twitch_amplitude_uv: (lo, hi) peak-to-peak on the strongest channel
            as sampled (after the sensor's anti-alias filter, so at 200-250 Hz a twitch keeps
            its p-p but looks smoother and longer), drawn log-uniformly per unit.
            twitch_units: how many distinct units fasciculate (each twitch picks one;
            0 = every twitch is a new unit). doublet_fraction: share of twitches followed by
            a second discharge of the same unit 10-110 ms later. complex_fraction: share of
            twitching units with complex (> 4 phase) shapes.
    Noise and interference
        noise_uv_rms: amplifier noise RMS per channel (white + 1/f; pink_fraction of its power
            is 1/f). mains_hz: 50, 60 or None; mains_uv: peak amplitude of the fundamental as
            recorded on the most affected channel (2nd and 3rd harmonics added smaller). ecg_uv: ECG
            peak-to-peak on the strongest channel (0 = none); heart_rate_bpm: (lo, hi) range
            the recording's mean heart rate is drawn from.
    Cramps
        n_cramps; cramp_duration_s (lo, hi); cramp_uv_rms (lo, hi): RMS of the interference
        pattern on its strongest channel at full activation; cramp_units (lo, hi) units.
    Voluntary contractions
        n_contractions; contraction_duration_s (lo, hi); contraction_effort (lo, hi) peak
        effort as a fraction of maximum (sets firing rates, recruitment and RMS).
    Artefacts
        motion_per_min, motion_uv (lo, hi) p-p; pops_per_min, pop_uv (lo, hi) step height;
        clip_uv: the sensor saturates at +-clip_uv (None = no clipping).
    """

    duration_s: float = 120.0
    fs_hz: float = 2000.0
    n_channels: int = 4
    twitch_rate_per_min: float = 0.0
    twitch_amplitude_uv: Range = (30.0, 200.0)
    twitch_units: int = 12
    doublet_fraction: float = 0.05
    complex_fraction: float = COMPLEX_FRACTION
    noise_uv_rms: float = 5.0
    pink_fraction: float = 0.3
    mains_hz: float | None = 50.0
    mains_uv: float = 3.0
    ecg_uv: float = 0.0
    heart_rate_bpm: Range = (55.0, 90.0)
    n_cramps: int = 0
    cramp_duration_s: Range = (8.0, 30.0)
    cramp_uv_rms: Range = (50.0, 200.0)
    cramp_units: tuple[int, int] = (20, 40)
    n_contractions: int = 0
    contraction_duration_s: Range = (3.0, 20.0)
    contraction_effort: Range = (0.1, 0.6)
    motion_per_min: float = 0.0
    motion_uv: Range = (100.0, 2000.0)
    pops_per_min: float = 0.0
    pop_uv: Range = (200.0, 3000.0)
    clip_uv: float | None = None

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str  # one line, for --help
    params: ScenarioParams
    doc: str = field(default="", repr=False)

    @property
    def duration_s(self) -> float:
        return self.params.duration_s

    @property
    def fs_hz(self) -> float:
        return self.params.fs_hz

    @property
    def n_channels(self) -> int:
        return self.params.n_channels


def _scenario(name: str, description: str, doc: str, **params) -> Scenario:
    return Scenario(name, description, ScenarioParams(**params), doc)


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        _scenario(
            "rest-benign",
            "muscle at rest, benign twitches ~20/min, 5 uV noise, faint 50 Hz mains",
            "The baseline case: isolated fasciculations of 30-200 uV p-p from a dozen units, "
            "5 % doublets, a few complex shapes; nothing else but amplifier noise and a little "
            "mains hum.",
            duration_s=120.0, fs_hz=2000.0, n_channels=4, twitch_rate_per_min=20.0,
            noise_uv_rms=5.0, mains_hz=50.0, mains_uv=3.0,
        ),
        _scenario(
            "post-exercise",
            "recovery after hard exercise: twitches ~50/min, more doublets (12 %)",
            "Benign post-exercise twitching: a higher rate from more units, 12 % doublets, "
            "amplitudes up to 250 uV p-p.",
            duration_s=120.0, fs_hz=2000.0, n_channels=4, twitch_rate_per_min=50.0,
            twitch_amplitude_uv=(30.0, 250.0), twitch_units=20, doublet_fraction=0.12,
            noise_uv_rms=5.0, mains_hz=50.0, mains_uv=3.0,
        ),
        _scenario(
            "cramp",
            "rest, a few twitches, 2 cramps of 8-30 s (localised, irregular firing)",
            "Cramps: 20-40 units recruited over 1-3 s, 6-25 Hz (mean 14.5) with interval CV "
            "0.45 and 4 % doublets, localised to neighbouring channels, 50-200 uV RMS, ramping "
            "down at the end. Between them, twitches at 8/min.",
            duration_s=90.0, fs_hz=1000.0, n_channels=4, twitch_rate_per_min=8.0,
            n_cramps=2, cramp_duration_s=(8.0, 30.0), noise_uv_rms=5.0, mains_hz=50.0,
            mains_uv=3.0,
        ),
        _scenario(
            "voluntary",
            "3 voluntary contractions (orderly recruitment, steady firing), no twitches",
            "Voluntary contractions: 60 units recruited small-first up to 60 % effort, 8-35 Hz "
            "rising with effort, interval CV 0.15-0.2, seen on all channels, smooth ramp up, "
            "hold and ramp down; RMS ~70 uV at 10 % to ~500 uV at 80 % effort.",
            duration_s=60.0, fs_hz=2000.0, n_channels=4, n_contractions=3,
            contraction_duration_s=(3.0, 12.0), noise_uv_rms=5.0, mains_hz=50.0, mains_uv=3.0,
        ),
        _scenario(
            "ecg-contaminated",
            "rest with NO twitches but strong ECG (200 uV p-p) on all channels",
            "Tests false twitches from heartbeats: far-field ECG (55-90 bpm, 5 % HRV, ~90 ms "
            "QRS) with varied gain across channels; every beat is a truth artifact/ecg event.",
            duration_s=120.0, fs_hz=2000.0, n_channels=4, twitch_rate_per_min=0.0,
            ecg_uv=200.0, noise_uv_rms=5.0, mains_hz=50.0, mains_uv=3.0,
        ),
        _scenario(
            "noisy-consumer-250hz",
            "consumer board: 8 uV noise, strong 60 Hz mains, motion, pops, twitches",
            "Like an OpenBCI Cyton on a moving arm: 250 Hz, 8 channels, 8 uV RMS noise, 40 uV "
            "60 Hz hum with harmonics, 4 motion artefacts and 0.5 electrode pops per minute, "
            "twitches at 20/min.",
            duration_s=120.0, fs_hz=250.0, n_channels=8, twitch_rate_per_min=20.0,
            noise_uv_rms=8.0, mains_hz=60.0, mains_uv=40.0, motion_per_min=4.0,
            pops_per_min=0.5,
        ),
        _scenario(
            "mixed",
            "everything: twitches, ECG, a cramp, a contraction, motion, pops, mains",
            "A busy recording for end-to-end checks: twitches at 20/min, 60 uV ECG, one cramp, "
            "one contraction, 2 motion artefacts and 1 pop per minute, 5 uV 50 Hz mains, 8 ch.",
            duration_s=180.0, fs_hz=2000.0, n_channels=8, twitch_rate_per_min=20.0,
            ecg_uv=60.0, n_cramps=1, cramp_duration_s=(8.0, 20.0), n_contractions=1,
            contraction_duration_s=(4.0, 12.0), motion_per_min=2.0, pops_per_min=1.0,
            noise_uv_rms=5.0, mains_hz=50.0, mains_uv=5.0,
        ),
    )
}


# --- validation ------------------------------------------------------------------------------


def _number(name: str, value, *, minimum: float | None = None, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None and (value <= minimum if strict else value < minimum):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {minimum:g}, got {value:g}")
    return value


def _integer(name: str, value, minimum: int, maximum: int | None = None) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or int(value) != value
    ):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" to {maximum}" if maximum is not None else " or more"
        raise ValueError(f"{name} must be an integer from {minimum}{upper}, got {value}")
    return value


def _range(name: str, value, *, minimum: float = 0.0, maximum: float | None = None) -> Range:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{name} must be a (low, high) pair, got {value!r}")
    lo = _number(f"{name} low", value[0], minimum=minimum, strict=True)
    hi = _number(f"{name} high", value[1], minimum=minimum, strict=True)
    if lo > hi:
        raise ValueError(f"{name} must have low <= high, got ({lo:g}, {hi:g})")
    if maximum is not None and hi > maximum:
        raise ValueError(f"{name} must not exceed {maximum:g}, got ({lo:g}, {hi:g})")
    return lo, hi


def _fraction(name: str, value) -> float:
    value = _number(name, value, minimum=0.0)
    if value > 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {value:g}")
    return value


def validate(p: ScenarioParams) -> ScenarioParams:
    """Check every field; return params with normalised types. Raises ValueError."""
    duration = _number("duration_s", p.duration_s)
    if duration <= 0:
        raise ValueError(f"duration_s must be > 0 s, got {duration:g}")
    fs = _number("fs_hz", p.fs_hz)
    if not FS_MIN_HZ <= fs <= FS_MAX_HZ:
        raise ValueError(
            f"fs_hz must be between {FS_MIN_HZ:g} and {FS_MAX_HZ:g} Hz, got {fs:g}"
        )
    n_ch = _integer("n_channels", p.n_channels, CHANNELS_MIN, CHANNELS_MAX)
    n_values = round(duration * fs) * n_ch
    if n_values > MAX_VALUES:
        raise ValueError(
            f"simulation too large: {duration:g} s x {fs:g} Hz x {n_ch} channels = {n_values:,} "
            f"values; the limit is {MAX_VALUES:,}"
        )
    if round(duration * fs) < 1:
        raise ValueError(f"duration_s={duration:g} s gives no sample at {fs:g} Hz")
    mains_hz = p.mains_hz
    if mains_hz is not None:
        mains_hz = _number("mains_hz", mains_hz)
        if mains_hz not in (50.0, 60.0):
            raise ValueError(f"mains_hz must be 50, 60 or None, got {mains_hz:g}")
    clip = p.clip_uv
    if clip is not None:
        clip = _number("clip_uv", clip, minimum=0.0, strict=True)
    cramp_units = _range("cramp_units", p.cramp_units, minimum=0)
    if any(int(x) != x for x in cramp_units):
        raise ValueError(f"cramp_units must be a pair of integers, got {p.cramp_units!r}")
    return dataclasses.replace(
        p,
        duration_s=duration,
        fs_hz=fs,
        n_channels=n_ch,
        twitch_rate_per_min=_number("twitch_rate_per_min", p.twitch_rate_per_min, minimum=0),
        twitch_amplitude_uv=_range("twitch_amplitude_uv", p.twitch_amplitude_uv),
        twitch_units=_integer("twitch_units", p.twitch_units, 0),
        doublet_fraction=_fraction("doublet_fraction", p.doublet_fraction),
        complex_fraction=_fraction("complex_fraction", p.complex_fraction),
        noise_uv_rms=_number("noise_uv_rms", p.noise_uv_rms, minimum=0),
        pink_fraction=_fraction("pink_fraction", p.pink_fraction),
        mains_hz=mains_hz,
        mains_uv=_number("mains_uv", p.mains_uv, minimum=0),
        ecg_uv=_number("ecg_uv", p.ecg_uv, minimum=0),
        heart_rate_bpm=_range("heart_rate_bpm", p.heart_rate_bpm, minimum=20, maximum=250),
        n_cramps=_integer("n_cramps", p.n_cramps, 0),
        cramp_duration_s=_range("cramp_duration_s", p.cramp_duration_s),
        cramp_uv_rms=_range("cramp_uv_rms", p.cramp_uv_rms),
        cramp_units=(int(cramp_units[0]), int(cramp_units[1])),
        n_contractions=_integer("n_contractions", p.n_contractions, 0),
        contraction_duration_s=_range("contraction_duration_s", p.contraction_duration_s),
        contraction_effort=_range("contraction_effort", p.contraction_effort, maximum=1.0),
        motion_per_min=_number("motion_per_min", p.motion_per_min, minimum=0),
        motion_uv=_range("motion_uv", p.motion_uv),
        pops_per_min=_number("pops_per_min", p.pops_per_min, minimum=0),
        pop_uv=_range("pop_uv", p.pop_uv),
        clip_uv=clip,
    )


def resolve_params(
    scenario: str,
    duration_s: float | None = None,
    fs_hz: float | None = None,
    n_channels: int | None = None,
    **overrides,
) -> ScenarioParams:
    """The scenario's defaults with the given values and overrides applied, validated."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; valid: {', '.join(SCENARIOS)}")
    names = ScenarioParams.field_names()
    unknown = sorted(set(overrides) - set(names))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(unknown)}; valid: "
            + ", ".join(n for n in names if n not in ("duration_s", "fs_hz", "n_channels"))
        )
    explicit = {
        k: v
        for k, v in (("duration_s", duration_s), ("fs_hz", fs_hz), ("n_channels", n_channels))
        if v is not None
    }
    return validate(dataclasses.replace(SCENARIOS[scenario].params, **explicit, **overrides))
