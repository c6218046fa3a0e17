"""Filters: the numba `sosfilt_stream` against scipy's `sosfilt` (bit for bit, any chunking), the
designed band-pass/notch/detection filters, and the detector's `filtered_out` against a scipy
oracle (band-pass, then the notch of the identified mains family from the sample after the
mains block that identified it, from zero state)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import signal

from oracles import front_end as fe
from oracles import signals as sg
from twitchwatch.engine import Detector, DetectorConfig
from twitchwatch.engine.filters import MAX_NOTCH_SECTIONS, design_filters, sosfilt_stream

RATES_HZ = [200.0, 210.0, 250.0, 256.0, 300.0, 500.0, 512.0, 1000.0, 1024.0, 2000.0, 2048.0, 4000.0,
            8000.0, 10000.0]


def bits(a: np.ndarray) -> np.ndarray:
    """The bit patterns of a float64 array (so -0.0 != 0.0 and NaNs compare by payload)."""
    return np.ascontiguousarray(a, dtype=np.float64).view(np.int64)


# ---- sosfilt_stream vs scipy.signal.sosfilt --------------------------------------------------------


@st.composite
def scipy_sos(draw):
    """Second-order sections from scipy's IIR designs (any family, type, order and edges)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", signal.BadCoefficients)
        return _scipy_sos(draw)


def _scipy_sos(draw):
    family = draw(st.sampled_from(["butter", "cheby1", "cheby2", "ellip", "bessel", "notch", "peak"]))
    if family in ("notch", "peak"):
        w0 = draw(st.floats(0.01, 0.95))
        q = draw(st.floats(0.5, 200.0))
        b, a = (signal.iirnotch if family == "notch" else signal.iirpeak)(w0, q)
        return signal.tf2sos(b, a)
    order = draw(st.integers(1, 8))
    btype = draw(st.sampled_from(["lowpass", "highpass", "bandpass", "bandstop"]))
    if btype in ("bandpass", "bandstop"):
        lo = draw(st.floats(0.01, 0.8))
        hi = draw(st.floats(lo + 0.05, 0.98).filter(lambda v: v < 0.99))
        wn = [lo, hi]
    else:
        wn = draw(st.floats(0.01, 0.98))
    if family == "butter":
        return signal.butter(order, wn, btype, output="sos")
    if family == "bessel":
        return signal.bessel(order, wn, btype, output="sos")
    if family == "cheby1":
        return signal.cheby1(order, draw(st.floats(0.1, 3.0)), wn, btype, output="sos")
    if family == "cheby2":
        return signal.cheby2(order, draw(st.floats(20.0, 80.0)), wn, btype, output="sos")
    return signal.ellip(order, draw(st.floats(0.1, 3.0)), draw(st.floats(20.0, 80.0)), wn, btype, output="sos")


def random_signal(rng, n, channels, dtype):
    if dtype == np.int16:
        return rng.integers(-32768, 32767, size=(n, channels), endpoint=True).astype(np.int16)
    scale = 10.0 ** rng.uniform(-3, 4)
    return (rng.standard_normal((n, channels)) * scale).astype(dtype)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sos=scipy_sos(), channels=st.sampled_from([1, 2, 3, 8, 17]),
       dtype=st.sampled_from([np.float32, np.float64, np.int16]),
       n=st.integers(0, 1500), seed=st.integers(0, 2**32 - 1), random_zi=st.booleans(),
       cuts=st.lists(st.integers(0, 1500), max_size=8))
def test_sosfilt_stream_is_bit_identical_to_scipy_under_any_chunking(sos, channels, dtype, n, seed,
                                                                     random_zi, cuts):
    rng = np.random.default_rng(seed)
    x = random_signal(rng, n, channels, dtype)
    zi = rng.standard_normal((sos.shape[0], 2, channels)) if random_zi else np.zeros((sos.shape[0], 2, channels))
    if n:
        expected, zf = signal.sosfilt(sos, x, axis=0, zi=zi.copy())
    else:  # scipy cannot filter an empty signal; nothing in, nothing out, state unchanged
        expected, zf = np.zeros((0, channels)), zi

    z = zi.copy()
    edges = sorted({0, n, *[min(c, n) for c in cuts]})
    parts = [sosfilt_stream(sos, x[a:b], z) for a, b in zip(edges[:-1], edges[1:])]
    parts.append(sosfilt_stream(sos, x[n:], z))  # an empty chunk at the end changes nothing
    got = np.concatenate(parts, axis=0) if parts else np.zeros((0, channels))
    assert got.dtype == np.float64 and got.shape == x.shape
    assert np.array_equal(bits(got), bits(expected))
    assert np.array_equal(bits(z), bits(zf))


def test_sosfilt_stream_many_channels_long_signal():
    sos = signal.ellip(6, 0.5, 60, [0.05, 0.4], "bandpass", output="sos")
    x = np.random.default_rng(3).standard_normal((20000, 64))
    z = np.zeros((sos.shape[0], 2, 64))
    assert np.array_equal(bits(sosfilt_stream(sos, x, z)), bits(signal.sosfilt(sos, x, axis=0)))


def test_sosfilt_stream_updates_state_in_place_and_accepts_views():
    sos = signal.butter(4, 0.2, output="sos")
    x = np.random.default_rng(0).standard_normal((300, 6))
    z = np.zeros((sos.shape[0], 2, 3))
    z_id = id(z)
    y = sosfilt_stream(sos, x[::2, ::2], z)  # non-contiguous input view
    assert id(z) == z_id and np.any(z != 0)
    assert np.array_equal(bits(y), bits(signal.sosfilt(sos, x[::2, ::2], axis=0)))


@pytest.mark.parametrize(
    "sos, x, z, match",
    [
        (np.zeros((2, 5)), np.zeros((4, 1)), np.zeros((2, 2, 1)), r"Invalid sos shape.*\(n_sections, 6\).*\(2, 5\)"),
        (np.zeros(6), np.zeros((4, 1)), np.zeros((1, 2, 1)), r"Invalid sos shape"),
        (np.eye(1, 6), np.zeros(4), np.zeros((1, 2, 1)), r"Invalid x shape.*\(samples, channels\).*\(4,\)"),
        (np.eye(1, 6), np.zeros((4, 2, 1)), np.zeros((1, 2, 2)), r"Invalid x shape"),
        (np.eye(1, 6), np.zeros((4, 2)), np.zeros((1, 2, 3)), r"Invalid z.*\(1, 2, 2\)"),
        (np.eye(1, 6), np.zeros((4, 2)), np.zeros((1, 2, 2), np.float32), r"Invalid z.*float64"),
        (np.eye(1, 6), np.zeros((4, 2)), np.zeros((1, 2, 4))[:, :, ::2], r"Invalid z.*C-contiguous"),
    ],
)
def test_sosfilt_stream_rejects_bad_arguments(sos, x, z, match):
    with pytest.raises(ValueError, match=match):
        sosfilt_stream(sos, x, z)


# ---- the designed filters --------------------------------------------------------------------------


def gain_db(sos: np.ndarray, freqs_hz, fs: float) -> np.ndarray:
    _, h = signal.sosfreqz(sos, worN=np.atleast_1d(np.asarray(freqs_hz, dtype=float)), fs=fs)
    return 20 * np.log10(np.maximum(np.abs(h), 1e-300))


def minus_3db_edges(sos: np.ndarray, fs: float) -> tuple[float, float]:
    f = np.linspace(1.0, 0.4999 * fs, 100_000)
    above = gain_db(sos, f, fs) > -10 * np.log10(2)
    return float(f[np.argmax(above)]), float(f[len(f) - 1 - np.argmax(above[::-1])])


def poles(sos: np.ndarray) -> np.ndarray:
    return np.concatenate([np.roots(row[3:]) for row in sos]) if len(sos) else np.zeros(0)


@pytest.mark.parametrize("fs", RATES_HZ)
def test_band_pass_edges_are_20_hz_and_the_low_pass(fs):
    config = DetectorConfig()
    design = design_filters(fs, config)
    top = min(450.0, 0.45 * fs)
    assert design.lowpass_hz == top
    assert design.bandpass_sos.dtype == np.float64 and design.bandpass_sos.flags.c_contiguous
    lo, hi = minus_3db_edges(design.bandpass_sos, fs)
    assert lo == pytest.approx(20.0, rel=0.01)
    assert hi == pytest.approx(top, rel=0.01)
    # flat in between (2nd-order edges): within 0.3 dB from 2x the high-pass to half the top
    mid = gain_db(design.bandpass_sos, np.linspace(40.0, 0.5 * top, 400), fs)
    assert mid.max() < 0.01 and mid.min() > -0.3


@pytest.mark.parametrize("fs", RATES_HZ)
def test_notches_remove_mains_and_its_harmonics_below_the_band_top(fs):
    config = DetectorConfig()
    design = design_filters(fs, config)
    assert design.mains_candidates_hz == (50.0, 60.0)
    assert design.notch_sos.shape == (2, MAX_NOTCH_SECTIONS, 6)
    for i, f0 in enumerate(design.mains_candidates_hz):
        used = design.notch_sos[i, : design.notch_count[i]]
        notched = [k * f0 for k in range(1, config.mains_harmonics + 1)]
        must = [f for f in notched if f < design.lowpass_hz]
        assert design.notch_count[i] >= len(must), f"{f0} Hz family at {fs} Hz: harmonics {must}"
        full = np.vstack([design.bandpass_sos, used])
        for f in must:
            assert gain_db(used, f, fs)[0] < -60.0, f"notch depth at {f} Hz (fs {fs})"
            assert gain_db(full, f, fs)[0] < -60.0
            # narrow: 2 Hz away the notch costs less than 1 dB
            assert gain_db(used, [f - 2.0, f + 2.0], fs).min() > -1.0
        # no notch at or near Nyquist, where the design is ill-conditioned
        assert all(k * f0 < 0.48 * fs for k in range(1, int(design.notch_count[i]) + 1))
        # unused rows are identity sections
        for row in design.notch_sos[i, design.notch_count[i]:]:
            assert np.array_equal(row, [1, 0, 0, 1, 0, 0])


@pytest.mark.parametrize("fs", RATES_HZ)
def test_designed_filters_are_stable(fs):
    design = design_filters(fs, DetectorConfig())
    sections = [design.bandpass_sos, design.detection_sos, design.onset_sos]
    sections += [design.notch_sos[i, : design.notch_count[i]] for i in range(len(design.mains_candidates_hz))]
    for sos in sections:
        p = poles(sos)
        assert np.all(np.abs(p) < 1.0), f"pole on/outside the unit circle at {fs} Hz: {p}"


@pytest.mark.parametrize("fs", RATES_HZ)
def test_detection_low_pass_only_where_it_narrows_the_band(fs):
    config = DetectorConfig()
    design = design_filters(fs, config)
    if config.detection_lowpass_hz < 0.9 * design.lowpass_hz:
        assert design.detection_sos.shape == (1, 6)
        lo, hi = minus_3db_edges(design.detection_sos, fs)
        assert lo == 1.0 and hi == pytest.approx(config.detection_lowpass_hz, rel=0.01)
    else:
        assert design.detection_sos.shape == (0, 6)


@pytest.mark.parametrize("fs", RATES_HZ)
def test_onset_band_is_one_section_where_it_narrows_the_band(fs):
    config = DetectorConfig()
    design = design_filters(fs, config)
    low, high = config.onset_band_hz
    if high < 0.9 * design.lowpass_hz:
        assert design.onset_sos.shape == (1, 6)  # one section: the kernel fuses it with detection
        lo, hi = minus_3db_edges(design.onset_sos, fs)
        assert lo == pytest.approx(low, rel=0.01) and hi == pytest.approx(high, rel=0.01)
    else:
        assert design.onset_sos.shape == (0, 6)  # the envelope follows the detection band


def test_onset_band_is_left_out_below_its_top_and_kept_above():
    assert design_filters(250.0, DetectorConfig()).onset_sos.shape == (0, 6)  # band ends at 112.5 Hz
    assert design_filters(1000.0, DetectorConfig()).onset_sos.shape == (1, 6)
    # not above the high-pass either: nothing to narrow
    assert design_filters(2000.0, DetectorConfig(onset_band_hz=(10.0, 150.0))).onset_sos.shape == (0, 6)


@pytest.mark.parametrize("fs", [50.0, 60.0, 66.0, 1.0])
def test_design_rejects_a_rate_too_low_for_the_band(fs):
    with pytest.raises(ValueError, match=rf"sampling rate {fs:g} Hz is too low.*20 Hz high-pass"):
        design_filters(fs, DetectorConfig())


def test_design_rejects_a_band_that_closes_for_a_custom_high_pass():
    with pytest.raises(ValueError, match="too low"):
        design_filters(250.0, DetectorConfig(highpass_hz=80.0))


# ---- the detector's filtered output vs the scipy oracle --------------------------------------------


def run_filtered(x, fs, chunks=None, **kwargs) -> tuple[Detector, np.ndarray]:
    det = Detector(fs, x.shape[1], **kwargs)
    out = np.full(x.shape, np.nan)
    edges = [0, x.shape[0]] if chunks is None else chunks
    for a, b in zip(edges[:-1], edges[1:]):
        det.process(x[a:b], filtered_out=out[a:b])
    return det, out


@pytest.mark.parametrize("mains_hz, family", [(50.0, 0), (60.0, 1), (None, None)])
def test_filtered_out_is_bandpass_then_notch_from_identification(mains_hz, family):
    fs = 1000.0
    n = int(5.5 * fs)
    x = sg.white_noise(n, 3, 5.0, seed=7)
    if mains_hz:
        x += sg.mains(n, 3, fs, mains_hz, 30.0)
    ref = fe.filtered(x, fs, DetectorConfig())
    if family is None:
        assert ref.switches == []
        assert np.array_equal(ref.notched, ref.bandpassed)
    else:
        assert ref.switches == [(1000, family)]  # identified at the end of the first 1 s block
    det, out = run_filtered(x, fs)
    assert det.mains_hz == mains_hz
    assert np.array_equal(bits(out), bits(ref.notched))
    # and what the notch does: before identification, hum passes; after, it is gone
    if family is not None:
        assert np.std(out[200:1000]) > 15.0
        assert np.std(out[3000:]) < 7.0


def test_filtered_out_follows_a_change_of_mains_family():
    """50 Hz for 3 s, then 60 Hz: the 60 Hz notch starts, from zero state, at the block boundary
    after the second block in a row won by 60 Hz."""
    fs = 1000.0
    n = int(7 * fs)
    x = sg.white_noise(n, 2, 5.0, seed=8)
    x[:3000] += sg.mains(3000, 2, fs, 50.0, 40.0)
    x[3000:] += sg.mains(n - 3000, 2, fs, 60.0, 40.0)
    ref = fe.filtered(x, fs, DetectorConfig())
    assert ref.switches == [(1000, 0), (5000, 1)]
    for chunks in (None, [0, 1, 999, 1000, 1001, 2500, 4999, 5000, 5001, 6000, n]):
        det, out = run_filtered(x, fs, chunks)
        assert det.mains_hz == 60.0
        assert np.array_equal(bits(out), bits(ref.notched))


@pytest.mark.parametrize("dtype, scale", [(np.int16, 0.25), (np.float32, 1e6), (np.float64, -2.0)])
def test_filtered_out_applies_unit_scale_before_filtering(dtype, scale):
    fs = 500.0
    n = int(3.2 * fs)
    x_uv = sg.white_noise(n, 2, 5.0, seed=9) + sg.mains(n, 2, fs, 50.0, 25.0)
    x = (np.round(x_uv / scale) if dtype == np.int16 else x_uv / scale).astype(dtype)
    ref = fe.filtered(x, fs, DetectorConfig(), unit_scale=scale)
    det, out = run_filtered(x, fs, [0, 7, 500, 501, n], unit_scale=scale)
    assert np.array_equal(bits(out), bits(ref.notched))


def test_filtered_out_at_low_rate_consumer_board():
    """250 Hz, 8 channels, strong 60 Hz: the 60 Hz family is chosen and notched (one harmonic)."""
    fs = 250.0
    n = int(4 * fs)
    x = sg.white_noise(n, 8, 8.0, seed=10) + sg.mains(n, 8, fs, 60.0, 40.0)
    ref = fe.filtered(x, fs, DetectorConfig())
    assert ref.switches == [(250, 1)]
    det, out = run_filtered(x, fs, [0, 1, 2, 249, 250, 251, n])
    assert det.mains_hz == 60.0
    assert np.array_equal(bits(out), bits(ref.notched))


@pytest.mark.parametrize("config", [
    DetectorConfig(highpass_order=4, lowpass_order=4, mains_harmonics=2),  # 4 band-pass, 2 notch sections
    DetectorConfig(highpass_order=1, mains_harmonics=1, detection_lowpass_hz=1000.0),  # 2 sections, no detection band
], ids=["4-band-pass-2-notch", "odd-order-1-notch-no-detection-band"])
def test_filtered_out_for_other_filter_structures(config):
    """The kernel fuses the usual structure (2 band-pass, 3 notch, 1 detection section) and runs
    any other section by section: both give the oracle's output bit for bit, in any chunking."""
    fs = 1000.0
    n = int(4.5 * fs)
    x = sg.white_noise(n, 3, 5.0, seed=11) + sg.mains(n, 3, fs, 50.0, 30.0)
    design = design_filters(fs, config)
    assert (design.bandpass_sos.shape[0], int(design.notch_count[0])) != (2, 3)
    ref = fe.filtered(x, fs, config)
    assert ref.switches == [(1000, 0)]
    for chunks in (None, [0, 1, 63, 64, 65, 999, 1000, 1001, 2345, n]):
        det, out = run_filtered(x, fs, chunks, config=config)
        assert np.array_equal(bits(out), bits(ref.notched))
