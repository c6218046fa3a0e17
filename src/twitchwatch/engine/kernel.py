"""The fused streaming kernel: filters, noise floor, segmentation and event decisions.

Everything happens one sample at a time, in time order, with all state in arrays that the caller
owns (see `state.py`), so that any chunking of a signal gives bit-identical results. Decisions
are taken at absolute sample positions (block ends, isolation deadlines), never at chunk ends.

Per sample and channel:
  raw -> band-pass (+ mains notch once mains is identified) -> y
  y   -> energy envelope e (one-pole smoothing of y**2)
  e   -> segment machine: a segment starts when e > threshold_on, ends when e stays below
         threshold_off for merge_gap; its waveform features come from |y| > k * noise RMS.
Per channel, closed segments form *runs*: consecutive potentials with onset intervals
<= isolation_ms. A run of 1-2 potentials is isolated firing (a twitch, or a twitch with its
doublet); a run of >= train_min_potentials is continual firing and belongs to sustained activity.
Potentials seen on several channels within channel_merge_ms are one pending event; it is
decided when the run of its strongest channel closes (isolation_ms after its last potential).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from twitchwatch.engine.filters import _coefficients, _section
from twitchwatch.engine import layout as L


@njit(cache=True, nogil=True)
def _bit(c):
    # Channels beyond 63 share the top bit of the mask (masks are int64).
    return np.int64(1) << min(c, 63)


@njit(cache=True, nogil=True)
def _sorted_replace(ordered, count, old, new, full):
    """Keep ordered[:count] ascending as a ring buffer overwrites `old` with `new` (when it was
    `full`) or appends `new`: O(count) moves per block instead of a sort per block, which cost
    about a seventh of the engine's time."""
    n = count
    if full:
        j = 0
        while ordered[j] != old:
            j += 1
        for k in range(j, n - 1):
            ordered[k] = ordered[k + 1]
        n -= 1
    j = n
    while j > 0 and ordered[j - 1] > new:
        ordered[j] = ordered[j - 1]
        j -= 1
    ordered[j] = new


@njit(cache=True, nogil=True)
def _larger(a, b):
    """Python's max(a, b) as a select (`a` unless `b` is larger): LLVM keeps it branch-free."""
    return b if b > a else a


@njit(cache=True, nogil=True)
def _ratio(a, b):
    lo = min(a, b)
    if lo <= 0.0:
        return np.inf
    return max(a, b) / lo


@njit(cache=True, nogil=True)
def _emit(out_i, out_f, gi, kind, ch, onset, end, mask, flags, phases, nch, n, pp, energy, snr, rms, freq, breadth):
    k = gi[L.G_NOUT]
    out_i[k, L.OI_KIND] = kind
    out_i[k, L.OI_CH] = ch
    out_i[k, L.OI_ONSET] = onset
    out_i[k, L.OI_END] = end
    out_i[k, L.OI_MASK] = mask
    out_i[k, L.OI_FLAGS] = flags
    out_i[k, L.OI_PHASES] = phases
    out_i[k, L.OI_NCH] = nch
    out_i[k, L.OI_DECIDED_AT] = n
    out_f[k, L.OF_PP] = pp
    out_f[k, L.OF_ENERGY] = energy
    out_f[k, L.OF_SNR] = snr
    out_f[k, L.OF_RMS] = rms
    out_f[k, L.OF_FREQ] = freq
    out_f[k, L.OF_BREADTH] = breadth
    gi[L.G_NOUT] = k + 1


# ---- sustained activity (episodes) -------------------------------------------------------------


@njit(cache=True, nogil=True)
def _episode_activity(c, start_n, n, ci, cf, gi):
    """Channel `c` shows continual activity that began at `start_n`."""
    if gi[L.G_EP_OPEN] == 0:
        gi[L.G_EP_OPEN] = 1
        gi[L.G_EP_START] = start_n
        gi[L.G_EP_LAST] = n
        gi[L.G_EP_MASK] = 0
        gi[L.G_EP_OPENED_AT] = n
        gi[L.G_EP_VOL] = gi[L.G_VOLUNTARY]
        for k in range(ci.shape[1]):
            cf[L.CF_EP_ENERGY, k] = 0.0
            cf[L.CF_EP_DIFF, k] = 0.0
            cf[L.CF_EP_MAXABS, k] = 0.0
    elif start_n < gi[L.G_EP_START]:
        gi[L.G_EP_START] = start_n
    gi[L.G_EP_MASK] |= _bit(c)


@njit(cache=True, nogil=True)
def _close_episode(n, p, ci, cf, gi, out_i, out_f):
    gi[L.G_EP_OPEN] = 0
    start = gi[L.G_EP_START]
    last = gi[L.G_EP_LAST]
    mask = gi[L.G_EP_MASK]
    gi[L.G_EP_PREV_START] = start
    gi[L.G_EP_PREV_LAST] = last
    gi[L.G_EP_PREV_MASK] = mask
    if last < p[L.P_WARMUP]:
        return
    n_ch = ci.shape[1]
    best = 0
    best_energy = -1.0
    for k in range(n_ch):
        if cf[L.CF_EP_ENERGY, k] > best_energy:
            best_energy = cf[L.CF_EP_ENERGY, k]
            best = k
    # Breadth: channels carrying at least 30 % of the strongest channel's RMS.
    n_active = 0
    for k in range(n_ch):
        if cf[L.CF_EP_ENERGY, k] >= 0.09 * best_energy:
            n_active += 1
    fs = p[L.P_FS]
    observed = max(n - gi[L.G_EP_OPENED_AT], 1)
    rms = np.sqrt(best_energy / observed)
    # RMS frequency from the ratio of derivative to signal power (second spectral moment).
    ratio = np.sqrt(cf[L.CF_EP_DIFF, best] / max(best_energy, 1e-300))
    freq = fs / np.pi * np.arcsin(min(0.5 * ratio, 1.0))
    breadth = n_active / n_ch
    duration = last - start + 1
    flags = 0
    if gi[L.G_EP_VOL]:
        flags |= L.FLAG_VOLUNTARY_MARKER
    if duration < p[L.P_CRAMP_MIN]:
        kind = L.KIND_CONTRACTION if gi[L.G_EP_VOL] else L.KIND_ARTIFACT
        flags |= L.FLAG_BURST
    elif gi[L.G_EP_VOL]:
        kind = L.KIND_CONTRACTION
    else:
        # Rest monitoring: sustained activity is a cramp unless it looks voluntary, i.e. it
        # spreads over the whole array (cramps are localised) and its spectrum is lower (cramp
        # potentials are shorter: mean frequency ~100 Hz vs ~75 Hz; Ross 1995, Roeleveld 2000).
        broad = n_ch > 1 and breadth >= p[L.P_VOL_BREADTH]
        low_freq = freq < p[L.P_CRAMP_FREQ]
        if p[L.P_USE_FREQ] > 0:
            voluntary = low_freq and (broad or n_ch == 1)
        else:
            voluntary = broad
        kind = L.KIND_CONTRACTION if voluntary else L.KIND_CRAMP
    floor = max(cf[L.CF_FLOOR_RMS, best], 1e-12)
    pp = 2.0 * cf[L.CF_EP_MAXABS, best]
    _emit(out_i, out_f, gi, kind, best, start, last, mask, flags, 0, n_active, n,
          pp, best_energy / fs, rms / floor, rms, freq, breadth)


# ---- ECG tracking ---------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _alike(pp_a, dur_a, nch_a, pp_b, dur_b, nch_b, p):
    """Two potentials look like beats of one heart: same size, length and spread."""
    return (_ratio(pp_a, pp_b) <= p[L.P_ECG_AMP] and _ratio(dur_a, dur_b) <= p[L.P_ECG_DUR]
            and abs(nch_a - nch_b) <= p[L.P_ECG_NCH])


@njit(cache=True, nogil=True)
def _ecg_observe(t, pp, dur, nch, p, gi, gf, ecg_h):
    """Feed one isolated potential; return True if it is a heart beat.

    A rhythm is recognised from ecg_min_beats alike potentials at equal intervals (40-180 bpm);
    then each potential at the expected time (allowing a few missed beats) that looks like the
    template is a beat. A lost rhythm with a known template is re-acquired with two beats.
    """
    tol = p[L.P_ECG_TOL]
    rr = gf[L.GF_ECG_RR]
    if gi[L.G_ECG_ON]:
        since = t - gi[L.G_ECG_LAST]
        k = int(np.floor(since / rr + 0.5))
        if k == 0 or (k == 1 and since < 0.75 * rr):
            # Locked on every other beat? A beat halfway means the true R-R is half.
            if abs(since - 0.5 * rr) <= tol * 0.5 * rr and since >= p[L.P_ECG_RR_MIN] \
                    and _alike(pp, dur, nch, gf[L.GF_ECG_PP], gf[L.GF_ECG_DUR], gf[L.GF_ECG_NCH], p):
                gf[L.GF_ECG_RR] = since
                gi[L.G_ECG_LAST] = t
                return True
        if 1 <= k <= p[L.P_ECG_MISSED] + 1:
            dev = abs(since - k * rr)
            if dev <= tol * rr and _alike(pp, dur, nch, gf[L.GF_ECG_PP], gf[L.GF_ECG_DUR], gf[L.GF_ECG_NCH], p):
                gf[L.GF_ECG_RR] = 0.8 * rr + 0.2 * (since / k)
                gf[L.GF_ECG_PP] = 0.8 * gf[L.GF_ECG_PP] + 0.2 * pp
                gf[L.GF_ECG_DUR] = 0.8 * gf[L.GF_ECG_DUR] + 0.2 * dur
                gi[L.G_ECG_LAST] = t
                return True
        if since > (p[L.P_ECG_MISSED] + 1.5) * rr:
            gi[L.G_ECG_ON] = 0
    beat = False
    nh = min(gi[L.G_ECG_NH], L.ECG_HISTORY)
    if rr > 0.0 and _alike(pp, dur, nch, gf[L.GF_ECG_PP], gf[L.GF_ECG_DUR], gf[L.GF_ECG_NCH], p):
        for j in range(nh):
            d1 = t - ecg_h[j, L.EH_ONSET]
            if abs(d1 - rr) <= tol * rr and _alike(ecg_h[j, L.EH_PP], ecg_h[j, L.EH_DUR], ecg_h[j, L.EH_NCH],
                                                   gf[L.GF_ECG_PP], gf[L.GF_ECG_DUR], gf[L.GF_ECG_NCH], p):
                beat = True
                break
    if not beat:
        for j in range(nh):
            d1 = t - ecg_h[j, L.EH_ONSET]
            if d1 < p[L.P_ECG_RR_MIN] or d1 > p[L.P_ECG_RR_MAX] \
                    or not _alike(pp, dur, nch, ecg_h[j, L.EH_PP], ecg_h[j, L.EH_DUR], ecg_h[j, L.EH_NCH], p):
                continue
            chain = 2
            last = ecg_h[j, L.EH_ONSET]
            for m in range(j + 1, nh):
                d = last - ecg_h[m, L.EH_ONSET]
                if abs(d - d1) <= tol * d1 and _alike(pp, dur, nch, ecg_h[m, L.EH_PP], ecg_h[m, L.EH_DUR],
                                                      ecg_h[m, L.EH_NCH], p):
                    chain += 1
                    last = ecg_h[m, L.EH_ONSET]
                    if chain >= p[L.P_ECG_MIN_BEATS]:
                        break
                elif d > d1 * (1.0 + tol):
                    break
            if chain >= p[L.P_ECG_MIN_BEATS]:
                beat = True
                gf[L.GF_ECG_RR] = d1
                gf[L.GF_ECG_PP] = pp
                gf[L.GF_ECG_DUR] = dur
                gf[L.GF_ECG_NCH] = nch
                break
    if beat:
        gi[L.G_ECG_ON] = 1
        gi[L.G_ECG_LAST] = t
    # History of isolated potentials, newest first.
    for j in range(L.ECG_HISTORY - 1, 0, -1):
        ecg_h[j, :] = ecg_h[j - 1, :]
    ecg_h[0, L.EH_ONSET] = t
    ecg_h[0, L.EH_PP] = pp
    ecg_h[0, L.EH_DUR] = dur
    ecg_h[0, L.EH_NCH] = nch
    gi[L.G_ECG_NH] = min(gi[L.G_ECG_NH] + 1, L.ECG_HISTORY)
    return beat


# ---- segments, runs and pending events --------------------------------------------------------------


@njit(cache=True, nogil=True)
def _ringing_limit(since, ref_pp, p, gi):
    """Largest potential that can still be ringing `since` samples after one of `ref_pp`."""
    if since <= p[L.P_RING]:
        return p[L.P_RING_FRAC] * ref_pp
    fam = gi[L.G_MAINS_FAM]
    if fam < 0:
        return 0.0
    tau = p[L.P_NOTCH_TAU0] if fam == 0 else p[L.P_NOTCH_TAU1]
    late = (since - p[L.P_RING]) / tau
    if late > 5.0:
        return 0.0
    return p[L.P_RING_FRAC] * ref_pp * np.exp(-late)


@njit(cache=True, nogil=True)
def _near(mask):
    """The channels of `mask` and their neighbours on the array."""
    return mask | (mask << 1) | ((mask >> 1) & ~(np.int64(1) << 63))


@njit(cache=True, nogil=True)
def _shadowed(onset, pp, c, p, pend_i, pend_f, gi, recent):
    """Is a potential on channel `c` the tail of a larger event seen there just before?

    True when, on the same or a neighbouring channel, it starts inside that event's span (a later
    part of it, e.g. its echo) or within the ringing time and much smaller (filter ringing).
    """
    bit = _bit(c)
    for i in range(gi[L.G_NPEND]):
        if pend_i[i, L.PI_DEAD] == 0 and (_near(pend_i[i, L.PI_MASK]) & bit):
            since = onset - pend_i[i, L.PI_ONSET]
            if since > 0 and (onset <= pend_i[i, L.PI_SPAN_END] + p[L.P_CH_MERGE]
                              or pp < _ringing_limit(since, pend_f[i, L.PF_PP], p, gi)):
                return True
    for i in range(L.RECENT_EVENTS):
        if _near(recent[i, L.RE_MASK]) & bit:
            since = onset - recent[i, L.RE_ONSET]
            if since > 0 and (onset <= recent[i, L.RE_SPAN_END] + p[L.P_CH_MERGE]
                              or pp < _ringing_limit(since, recent[i, L.RE_PP_X1000] / 1000.0, p, gi)):
                return True
    return False


@njit(cache=True, nogil=True)
def _joins_pending(onset, c, p, pend_i, gi):
    """Does a potential on channel `c` start with a pending event on other channels?"""
    for i in range(gi[L.G_NPEND]):
        if pend_i[i, L.PI_DEAD] == 0 and abs(pend_i[i, L.PI_ONSET] - onset) <= p[L.P_CH_MERGE] \
                and (pend_i[i, L.PI_MASK] & _bit(c)) == 0:
            return True
    return False


@njit(cache=True, nogil=True)
def _remember(onset, span_end, mask, pp, gi, recent):
    k = gi[L.G_RECENT_POS]
    recent[k, L.RE_ONSET] = onset
    recent[k, L.RE_SPAN_END] = span_end
    recent[k, L.RE_MASK] = mask
    recent[k, L.RE_PP_X1000] = np.int64(pp * 1000.0)
    gi[L.G_RECENT_POS] = (k + 1) % L.RECENT_EVENTS


@njit(cache=True, nogil=True)
def _close_segment(c, n, p, ci, cf, seg_i, seg_f, run_i, pend_i, pend_f, gi, recent):
    onset = ci[L.CI_AMP_FIRST, c] if ci[L.CI_AMP_FIRST, c] >= 0 else ci[L.CI_SEG_START, c]
    span_end = ci[L.CI_AMP_LAST, c] if ci[L.CI_AMP_LAST, c] >= 0 else ci[L.CI_LAST_ABOVE, c]
    span_end = max(span_end, onset)
    end = span_end
    echo_onset = -1
    echo_end = -1
    pots = ci[L.CI_POTS, c]
    activity = ci[L.CI_SEG_ACTIVITY, c]
    if activity:
        # Sustained activity: its potentials are not followed; it lasts to its last active sample.
        span_end = max(ci[L.CI_LAST_ABOVE, c], onset)
        end = span_end
    elif pots == 2:
        gap = ci[L.CI_POT2_ONSET, c] - onset
        if p[L.P_DBL_MIN] <= gap <= p[L.P_DBL_MAX]:
            # A doublet inside one burst: the first potential and its echo.
            end = ci[L.CI_POT1_END, c]
            echo_onset = ci[L.CI_POT2_ONSET, c]
            echo_end = span_end
    duration = end - onset + 1
    pp = cf[L.CF_SEG_YMAX, c] - cf[L.CF_SEG_YMIN, c]
    lf_pp = cf[L.CF_SEG_LFMAX, c] - cf[L.CF_SEG_LFMIN, c]
    is_long = 1 if (duration > p[L.P_MAX_TWITCH] or pots >= 3 or activity) else 0
    ci[L.CI_IN_SEG, c] = 0
    gi[L.G_NEXT_DECISION] = n  # a run may have closed or grown: look at pending events now
    if duration < p[L.P_MIN_TWITCH] and not is_long:
        return  # a noise crossing, not a potential
    since_last = onset - ci[L.CI_LAST_END, c]
    limit = _ringing_limit(since_last, cf[L.CF_LAST_PP, c], p, gi)
    if pp < limit:
        return  # ringing after a large potential on this channel
    # The reference is the larger of this potential and what is left of the last one's ringing.
    if pp >= limit / max(p[L.P_RING_FRAC], 1e-12):
        cf[L.CF_LAST_PP, c] = pp
        ci[L.CI_LAST_END, c] = span_end
    if not is_long and not _joins_pending(onset, c, p, pend_i, gi) \
            and _shadowed(onset, pp, c, p, pend_i, pend_f, gi, recent):
        return  # the echo or ringing of an event seen just before

    # Runs: discharges at continual intervals on this channel. An echo 10-110 ms after a
    # discharge of similar size is part of that discharge (doublet) and not counted.
    nr = ci[L.CI_RUN_COUNT, c]
    k = ci[L.CI_SEG_COUNT, c]
    slot = k % L.SEG_RING
    is_echo = 0
    if nr > 0 and onset - run_i[c, (nr - 1) % L.RUN_RING, L.RI_LAST_ONSET] <= p[L.P_ISO]:
        r = nr - 1
        rs = r % L.RUN_RING
        prim = run_i[c, rs, L.RI_LAST_PRIMARY_SEG]
        ps = prim % L.SEG_RING
        gap = onset - seg_i[c, ps, L.SI_ONSET]
        if (echo_onset < 0 and not is_long and seg_i[c, ps, L.SI_LONG] == 0
                and seg_i[c, ps, L.SI_ECHO_ONSET] < 0 and p[L.P_DBL_MIN] <= gap <= p[L.P_DBL_MAX]
                and _ratio(pp, seg_f[c, ps, L.SF_PP]) <= p[L.P_DBL_RATIO]):
            is_echo = 1
            seg_i[c, ps, L.SI_ECHO_ONSET] = onset
            seg_i[c, ps, L.SI_ECHO_END] = end
        else:
            run_i[c, rs, L.RI_SIZE] += 1
            run_i[c, rs, L.RI_LAST_PRIMARY_SEG] = k
        run_i[c, rs, L.RI_LAST_ONSET] = max(onset, run_i[c, rs, L.RI_LAST_ONSET])
        run_i[c, rs, L.RI_HAS_LONG] |= is_long
    else:
        r = nr
        rs = r % L.RUN_RING
        run_i[c, rs, L.RI_FIRST_ONSET] = onset
        run_i[c, rs, L.RI_LAST_ONSET] = onset
        run_i[c, rs, L.RI_SIZE] = 1
        run_i[c, rs, L.RI_HAS_LONG] = is_long
        run_i[c, rs, L.RI_FIRST_SEG] = k
        run_i[c, rs, L.RI_LAST_PRIMARY_SEG] = k
        ci[L.CI_RUN_COUNT, c] = nr + 1
    seg_i[c, slot, L.SI_ONSET] = onset
    seg_i[c, slot, L.SI_END] = end
    seg_i[c, slot, L.SI_PHASES] = ci[L.CI_PHASES, c]
    seg_i[c, slot, L.SI_CLIP] = ci[L.CI_SEG_CLIP, c]
    seg_i[c, slot, L.SI_RUN] = r
    seg_i[c, slot, L.SI_LONG] = is_long
    seg_i[c, slot, L.SI_ECHO_ONSET] = echo_onset
    seg_i[c, slot, L.SI_ECHO_END] = echo_end
    seg_i[c, slot, L.SI_IS_ECHO] = is_echo
    seg_f[c, slot, L.SF_PP] = pp
    seg_f[c, slot, L.SF_ENERGY] = cf[L.CF_SEG_ENERGY, c]
    seg_f[c, slot, L.SF_LF_PP] = lf_pp
    ci[L.CI_SEG_COUNT, c] = k + 1

    size = run_i[c, rs, L.RI_SIZE]
    if size >= p[L.P_TRAIN_MIN]:
        # Continual firing: sustained activity goes on (only this extends an episode, so
        # that isolated potentials such as heart beats cannot keep one alive).
        _episode_activity(c, run_i[c, rs, L.RI_FIRST_ONSET], n, ci, cf, gi)
        gi[L.G_EP_LAST] = max(gi[L.G_EP_LAST], end)

    floor = max(cf[L.CF_FLOOR_RMS, c], 1e-12)
    # One potential seen on several channels is one event.
    npend = gi[L.G_NPEND]
    for i in range(npend):
        if pend_i[i, L.PI_DEAD]:
            continue
        near_onset = abs(pend_i[i, L.PI_ONSET] - onset) <= p[L.P_CH_MERGE] and (pend_i[i, L.PI_MASK] & _bit(c)) == 0
        # Overlapping in time on another channel, or a later part on the same one: same event.
        within_span = (onset <= pend_i[i, L.PI_SPAN_END] + p[L.P_CH_MERGE]
                       and pend_i[i, L.PI_ONSET] <= span_end + p[L.P_CH_MERGE]
                       and ((pend_i[i, L.PI_MASK] & _bit(c)) == 0 or onset >= pend_i[i, L.PI_ONSET]))
        if near_onset or within_span:
            if (pend_i[i, L.PI_MASK] & _bit(c)) == 0:
                pend_i[i, L.PI_NCH] += 1
            pend_i[i, L.PI_MASK] |= _bit(c)
            pend_i[i, L.PI_SPAN_END] = max(pend_i[i, L.PI_SPAN_END], span_end)
            pend_i[i, L.PI_CLIP] |= ci[L.CI_SEG_CLIP, c]
            pend_f[i, L.PF_ENERGY] += cf[L.CF_SEG_ENERGY, c]
            if onset < pend_i[i, L.PI_ONSET]:
                pend_i[i, L.PI_ONSET] = onset
            if near_onset and pp > pend_f[i, L.PF_PP]:
                # The event's duration is that of its strongest channel's potential.
                pend_i[i, L.PI_END] = end
                pend_i[i, L.PI_CH] = c
                pend_i[i, L.PI_SEG] = k
                pend_i[i, L.PI_PHASES] = ci[L.CI_PHASES, c]
                pend_i[i, L.PI_LONG] = is_long
                pend_f[i, L.PF_PP] = pp
                pend_f[i, L.PF_LF_PP] = lf_pp
                pend_f[i, L.PF_SNR] = pp / floor
            return
    if npend == L.PENDING_CAPACITY:
        # Far more potentials than isolated firing can produce: this is sustained activity.
        _episode_activity(c, onset, n, ci, cf, gi)
        return
    i = npend
    pend_i[i, L.PI_ONSET] = onset
    pend_i[i, L.PI_END] = end
    pend_i[i, L.PI_SPAN_END] = span_end
    pend_i[i, L.PI_CH] = c
    pend_i[i, L.PI_SEG] = k
    pend_i[i, L.PI_MASK] = _bit(c)
    pend_i[i, L.PI_PHASES] = ci[L.CI_PHASES, c]
    pend_i[i, L.PI_CLIP] = ci[L.CI_SEG_CLIP, c]
    pend_i[i, L.PI_LONG] = is_long
    pend_i[i, L.PI_NCH] = 1
    pend_i[i, L.PI_DEAD] = 0
    pend_f[i, L.PF_PP] = pp
    pend_f[i, L.PF_ENERGY] = cf[L.CF_SEG_ENERGY, c]
    pend_f[i, L.PF_LF_PP] = lf_pp
    pend_f[i, L.PF_SNR] = pp / floor
    gi[L.G_NPEND] = npend + 1


@njit(cache=True, nogil=True)
def _in_episode(onset, p, gi):
    """During sustained activity (and its ramps) potentials are not isolated twitches.

    Any channel counts: units of a cramp or contraction reach the whole array weakly, and an
    isolated potential cannot be told apart from them while they fire.
    """
    if gi[L.G_EP_OPEN] and onset >= gi[L.G_EP_START] - p[L.P_ISO]:
        return True
    return gi[L.G_EP_PREV_START] - p[L.P_ISO] <= onset <= gi[L.G_EP_PREV_LAST] + p[L.P_EP_QUIET]


@njit(cache=True, nogil=True)
def _decide_pending(n, p, ci, cf, seg_i, seg_f, run_i, pend_i, pend_f, gi, gf, ecg_h, recent, out_i, out_f):
    npend = gi[L.G_NPEND]
    fs = p[L.P_FS]
    never = np.int64(2) ** 62
    next_decision = never
    for i in range(npend):
        if pend_i[i, L.PI_DEAD]:
            continue
        c = pend_i[i, L.PI_CH]
        k = pend_i[i, L.PI_SEG]
        r = seg_i[c, k % L.SEG_RING, L.SI_RUN]
        rs = r % L.RUN_RING
        size = run_i[c, rs, L.RI_SIZE]
        has_long = run_i[c, rs, L.RI_HAS_LONG]
        if size >= p[L.P_TRAIN_MIN]:
            pend_i[i, L.PI_DEAD] = 1  # continual firing: part of sustained activity
            continue
        last_onset = run_i[c, rs, L.RI_LAST_ONSET]
        run_open = r == ci[L.CI_RUN_COUNT, c] - 1 and (
            n - last_onset <= p[L.P_ISO]
            or (ci[L.CI_IN_SEG, c] and ci[L.CI_SEG_START, c] - last_onset <= p[L.P_ISO])
        )
        if run_open:
            if n - last_onset <= p[L.P_ISO]:
                next_decision = min(next_decision, last_onset + np.int64(p[L.P_ISO]) + 1)
            # else: waiting for a segment in progress; its close triggers the next look
            continue
        pend_i[i, L.PI_DEAD] = 1
        onset = pend_i[i, L.PI_ONSET]
        mask = pend_i[i, L.PI_MASK]
        if _in_episode(onset, p, gi):
            continue
        if _shadowed(onset, pend_f[i, L.PF_PP], c, p, pend_i, pend_f, gi, recent):
            continue  # a later part of an event already seen (its echo or ringing nearby)
        if seg_i[c, k % L.SEG_RING, L.SI_IS_ECHO]:
            continue  # the echo of a doublet: reported with the discharge before it
        end = pend_i[i, L.PI_END]
        flags = 0
        echo_onset = seg_i[c, k % L.SEG_RING, L.SI_ECHO_ONSET]
        if echo_onset >= 0:
            flags |= L.FLAG_DOUBLET
            end = max(end, seg_i[c, k % L.SEG_RING, L.SI_ECHO_END])
            for j in range(npend):
                if pend_i[j, L.PI_DEAD] == 0 and abs(pend_i[j, L.PI_ONSET] - echo_onset) <= p[L.P_CH_MERGE]:
                    mask |= pend_i[j, L.PI_MASK]
                    pend_i[j, L.PI_DEAD] = 1
        pp = pend_f[i, L.PF_PP]
        _remember(onset, max(end, pend_i[i, L.PI_SPAN_END]), mask, pp, gi, recent)
        kind = L.KIND_FASCICULATION
        if pend_i[i, L.PI_CLIP]:
            kind = L.KIND_ARTIFACT
            flags |= L.FLAG_CLIPPING
        elif pp > p[L.P_MAX_TWITCH_UV]:
            kind = L.KIND_ARTIFACT
            flags |= L.FLAG_TOO_LARGE
        elif _ecg_observe(onset, pp, pend_i[i, L.PI_END] - onset + 1, pend_i[i, L.PI_NCH], p, gi, gf, ecg_h):
            kind = L.KIND_ARTIFACT
            flags |= L.FLAG_ECG
        elif pend_f[i, L.PF_LF_PP] > p[L.P_MOTION_RATIO] * pp:
            kind = L.KIND_ARTIFACT
            flags |= L.FLAG_POP if (pend_i[i, L.PI_PHASES] <= 2 and pend_i[i, L.PI_LONG] == 0) else L.FLAG_MOTION
        elif pend_i[i, L.PI_LONG]:
            kind = L.KIND_ARTIFACT
            flags |= L.FLAG_BURST
        elif pend_i[i, L.PI_PHASES] >= p[L.P_COMPLEX]:
            flags |= L.FLAG_COMPLEX
        if onset < p[L.P_WARMUP]:
            continue
        _emit(out_i, out_f, gi, kind, c, onset, end, mask, flags, pend_i[i, L.PI_PHASES], pend_i[i, L.PI_NCH], n,
              pp, pend_f[i, L.PF_ENERGY] / fs, pend_f[i, L.PF_SNR], 0.0, 0.0, pend_i[i, L.PI_NCH] / ci.shape[1])
    # Compact: keep undecided events in order.
    w = 0
    for i in range(npend):
        if pend_i[i, L.PI_DEAD] == 0:
            if w != i:
                pend_i[w, :] = pend_i[i, :]
                pend_f[w, :] = pend_f[i, :]
            w += 1
    gi[L.G_NPEND] = w
    gi[L.G_NEXT_DECISION] = next_decision


# ---- noise floor and mains blocks ------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _end_noise_block(c, p, ci, cf, hist, hist_sorted):
    block = ci[L.CI_BLK_POS, c]
    rms2 = cf[L.CF_BLK_SUMSQ, c] / block
    count = ci[L.CI_HIST_COUNT, c]
    n_hist = int(p[L.P_HIST_N])
    if count < p[L.P_MIN_WARM_BLOCKS] or ci[L.CI_BLK_ACTIVE, c] < p[L.P_FREEZE_FRAC] * block:
        pos = ci[L.CI_HIST_POS, c]
        full = count == n_hist
        values = (rms2, cf[L.CF_BLK_MAXE, c], cf[L.CF_BLK_SUMSQ_ON, c] / block)
        for row in range(3):
            _sorted_replace(hist_sorted[c, row], count, hist[c, row, pos], values[row], full)
            hist[c, row, pos] = values[row]
        ci[L.CI_HIST_POS, c] = (pos + 1) % n_hist
        count = min(count + 1, n_hist)
        ci[L.CI_HIST_COUNT, c] = count
        # the lower noise_block_quantile of the history, as sorting it would give
        q_index = int(p[L.P_BLOCK_Q] * (count - 1))
        cf[L.CF_FLOOR_RMS, c] = np.sqrt(hist_sorted[c, 0, q_index])
        cf[L.CF_T_ON, c] = p[L.P_K_ON] * hist_sorted[c, 1, q_index]
        cf[L.CF_FLOOR_ON, c] = np.sqrt(hist_sorted[c, 2, q_index])
        cf[L.CF_T_OFF, c] = p[L.P_OFF_FRAC] * cf[L.CF_T_ON, c]
    mean = cf[L.CF_BLK_RAW_SUM, c] / block
    cf[L.CF_RAW_STD, c] = np.sqrt(max(cf[L.CF_BLK_RAW_SUMSQ, c] / block - mean * mean, 0.0))
    cf[L.CF_BAND_RMS, c] = np.sqrt(rms2)
    cf[L.CF_RAW_MIN, c] = cf[L.CF_BLK_RAW_MIN, c]
    # An envelope (rectified, smoothed) input is never negative and smooth: the RMS of its
    # sample-to-sample steps over its standard deviation, times fs/2pi, is an "equivalent
    # frequency" of a few Hz (raw EMG: 50 Hz and up, white noise: fs/4 and up).
    raw_std = cf[L.CF_RAW_STD, c]
    smooth_hz = p[L.P_FS] / (2.0 * np.pi) * np.sqrt(cf[L.CF_BLK_RAW_DSQ, c] / block) / raw_std if raw_std > 0 else np.inf
    cf[L.CF_RAW_SMOOTH_HZ, c] = smooth_hz
    cf[L.CF_BLK_RAW_DSQ, c] = 0.0
    if smooth_hz < 20.0 and cf[L.CF_RAW_MIN, c] >= 0:
        ci[L.CI_ENVELOPE_BLOCKS, c] += 1
    else:
        ci[L.CI_ENVELOPE_BLOCKS, c] = 0
    cf[L.CF_BLK_RAW_MIN, c] = np.inf
    cf[L.CF_BLK_SUMSQ, c] = 0.0
    cf[L.CF_BLK_SUMSQ_ON, c] = 0.0
    cf[L.CF_BLK_MAXE, c] = 0.0
    cf[L.CF_BLK_RAW_SUM, c] = 0.0
    cf[L.CF_BLK_RAW_SUMSQ, c] = 0.0
    ci[L.CI_BLK_ACTIVE, c] = 0
    ci[L.CI_BLK_POS, c] = 0


@njit(cache=True, nogil=True)
def _end_mains_block(p, cf, gi, zn):
    n_ch = cf.shape[1]
    m = p[L.P_MAINS_BLOCK]
    c0 = p[L.P_GCOEF0]
    c1 = p[L.P_GCOEF1]
    total0 = 0.0
    total1 = 0.0
    for c in range(n_ch):
        s1 = cf[L.CF_G0_S1, c]
        s2 = cf[L.CF_G0_S2, c]
        pw0 = max(s1 * s1 + s2 * s2 - c0 * s1 * s2, 0.0)
        s1 = cf[L.CF_G1_S1, c]
        s2 = cf[L.CF_G1_S2, c]
        pw1 = max(s1 * s1 + s2 * s2 - c1 * s1 * s2, 0.0)
        cf[L.CF_MAINS0_UV, c] = 2.0 * np.sqrt(pw0) / m
        cf[L.CF_MAINS1_UV, c] = 2.0 * np.sqrt(pw1) / m
        total0 += pw0
        total1 += pw1
        cf[L.CF_G0_S1, c] = 0.0
        cf[L.CF_G0_S2, c] = 0.0
        cf[L.CF_G1_S1, c] = 0.0
        cf[L.CF_G1_S2, c] = 0.0
    cand = -1
    if total0 > p[L.P_MAINS_RATIO] * total1:
        cand = 0
    elif total1 > p[L.P_MAINS_RATIO] * total0:
        cand = 1
    if cand >= 0 and cand != gi[L.G_MAINS_FAM]:
        if cand == gi[L.G_MAINS_CAND]:
            gi[L.G_MAINS_CAND_COUNT] += 1
        else:
            gi[L.G_MAINS_CAND] = cand
            gi[L.G_MAINS_CAND_COUNT] = 1
        # The first identification is taken at once; a change needs two blocks in a row.
        if gi[L.G_MAINS_FAM] < 0 or gi[L.G_MAINS_CAND_COUNT] >= 2:
            gi[L.G_MAINS_FAM] = cand
            gi[L.G_MAINS_CAND_COUNT] = 0
            zn[:, :, :] = 0.0
    elif cand == gi[L.G_MAINS_FAM]:
        gi[L.G_MAINS_CAND_COUNT] = 0
    gi[L.G_MAINS_POS] = 0


# ---- the front end, over a span of samples ----------------------------------------------------------
# The filters do not depend on what detection decides (only on the mains family, which changes at
# mains-block ends, where a span always ends), so they run ahead over a span of samples before
# the per-sample detection. Each loop below handles one sample of every channel per iteration;
# consecutive iterations depend on each other only through each section's own two state values,
# so the processor overlaps samples instead of waiting for one sample's whole filter chain.
# Within a sample the arithmetic is that of `_sos_step`, section after section, so results are
# bit-identical to filtering sample by sample (and to scipy's sosfilt).


@njit(cache=True, nogil=True)
def _section_span(sos, s, z, buf, k, nb, n_ch):
    """Section `s` of `sos` (state z[s]) over rows :nb of buf[k], in place."""
    coefs = _coefficients(sos, s)
    for i in range(nb):
        for c in range(n_ch):
            buf[k, i, c] = _section(coefs, z, s, c, buf[k, i, c])


@njit(cache=True, nogil=True)
def _load_span(x, t0, nb, scale, buf, n_ch):
    """Input rows t0..t0+nb in µV, into buf[0]; returns how many were invalid (NaN, Inf or
    beyond MAX_ABS_UV) and replaced by 0 µV."""
    invalid = 0
    zero = 0.0 * scale
    for i in range(nb):
        for c in range(n_ch):
            v = np.float64(x[t0 + i, c]) * scale
            valid = abs(v) <= L.MAX_ABS_UV  # False for NaN
            buf[0, i, c] = v if valid else zero
            invalid += 0 if valid else 1
    return invalid


@njit(cache=True, nogil=True)
def _bandpass2_span(sos, z, buf, nb, n_ch):
    """The usual band-pass (one high-pass and one low-pass section) fused: buf[0] -> buf[1]."""
    high = _coefficients(sos, 0)
    low = _coefficients(sos, 1)
    for i in range(nb):
        for c in range(n_ch):
            buf[1, i, c] = _section(low, z, 1, c, _section(high, z, 0, c, buf[0, i, c]))


@njit(cache=True, nogil=True)
def _goertzel_span(c0, c1, g0_s1, g0_s2, g1_s1, g1_s2, buf, nb, n_ch):
    """Mains meters (Goertzel at both candidate frequencies) on the band-passed signal."""
    for i in range(nb):
        for c in range(n_ch):
            y = buf[1, i, c]
            g = y + c0 * g0_s1[c] - g0_s2[c]
            g0_s2[c] = g0_s1[c]
            g0_s1[c] = g
            g = y + c1 * g1_s1[c] - g1_s2[c]
            g1_s2[c] = g1_s1[c]
            g1_s1[c] = g


@njit(cache=True, nogil=True)
def _notch3_span(sq, fam, z, buf, nb, n_ch):
    """Three notch sections of mains family `fam` fused, on buf[1] in place."""
    sos = sq[fam]
    first = _coefficients(sos, 0)
    second = _coefficients(sos, 1)
    third = _coefficients(sos, 2)
    for i in range(nb):
        for c in range(n_ch):
            y = _section(first, z, 0, c, buf[1, i, c])
            y = _section(second, z, 1, c, y)
            buf[1, i, c] = _section(third, z, 2, c, y)


@njit(cache=True, nogil=True)
def _detection_span(sos, z, buf, nb, n_ch):
    """The detection band: buf[2] = buf[1] through the detection sections."""
    if sos.shape[0] == 1:
        coefs = _coefficients(sos, 0)
        for i in range(nb):
            for c in range(n_ch):
                buf[2, i, c] = _section(coefs, z, 0, c, buf[1, i, c])
        return
    for i in range(nb):
        for c in range(n_ch):
            buf[2, i, c] = buf[1, i, c]
    for s in range(sos.shape[0]):
        _section_span(sos, s, z, buf, 2, nb, n_ch)


@njit(cache=True, nogil=True)
def _onset_span(sos, z, buf, nb, n_ch):
    """The onset band: buf[3] = buf[1] through its section (none: a copy of the detection band)."""
    source = 1 if sos.shape[0] else 2
    for i in range(nb):
        for c in range(n_ch):
            buf[3, i, c] = buf[source, i, c]
    for s in range(sos.shape[0]):
        _section_span(sos, s, z, buf, 3, nb, n_ch)


@njit(cache=True, nogil=True)
def _detection_onset_span(sos_det, sos_on, zd, zo, buf, nb, n_ch):
    """The usual one-section detection and onset bands fused (two independent chains overlap):
    buf[1] -> buf[2], buf[3]."""
    det = _coefficients(sos_det, 0)
    on = _coefficients(sos_on, 0)
    for i in range(nb):
        for c in range(n_ch):
            y = buf[1, i, c]
            buf[2, i, c] = _section(det, zd, 0, c, y)
            buf[3, i, c] = _section(on, zo, 0, c, y)


@njit(cache=True, nogil=True)
def _front_end_span(x, t0, nb, scale, sos_bp, sos_notch, notch_count, fam, sos_det, sos_on, zi, zn, zd, zo,
                    c0, c1, g0_s1, g0_s2, g1_s1, g1_s2, buf, n_ch):
    """Rows t0..t0+nb of x through the front end: buf[0] raw µV, buf[1] band-passed and
    notched, buf[2] detection band, buf[3] onset band; the mains meters updated."""
    invalid = _load_span(x, t0, nb, scale, buf, n_ch)
    if sos_bp.shape[0] == 2:
        _bandpass2_span(sos_bp, zi, buf, nb, n_ch)
    else:
        for i in range(nb):
            for c in range(n_ch):
                buf[1, i, c] = buf[0, i, c]
        for s in range(sos_bp.shape[0]):
            _section_span(sos_bp, s, zi, buf, 1, nb, n_ch)
    _goertzel_span(c0, c1, g0_s1, g0_s2, g1_s1, g1_s2, buf, nb, n_ch)
    if fam >= 0:
        if notch_count[fam] == 3:
            _notch3_span(sos_notch, fam, zn, buf, nb, n_ch)
        else:
            for s in range(notch_count[fam]):
                _section_span(sos_notch[fam], s, zn, buf, 1, nb, n_ch)
    if sos_det.shape[0] == 1 and sos_on.shape[0] == 1:
        _detection_onset_span(sos_det, sos_on, zd, zo, buf, nb, n_ch)
    else:
        _detection_span(sos_det, zd, buf, nb, n_ch)
        _onset_span(sos_on, zo, buf, nb, n_ch)
    return invalid


# ---- the per-sample loop ------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def process_chunk(x, scale, sos_bp, sos_notch, notch_count, sos_det, sos_on, p, ci, cf, zi, zn, zd, zo, hist,
                  hist_sorted, work, seg_i, seg_f, run_i, pend_i, pend_f, gi, gf, ecg_h, recent, out_i, out_f, y_out):
    """Process samples of `x` (samples, channels) until done or the output buffer is nearly full.

    Returns the number of samples consumed. `y_out` (samples, channels) receives the filtered
    signal when it has as many rows as `x`; pass a (0, channels) array to skip it.
    """
    n_samples = x.shape[0]
    n_ch = x.shape[1]
    write_y = y_out.shape[0] == n_samples
    alpha = p[L.P_ALPHA_ENV]
    hp_a = p[L.P_LF_HP_A]
    lp_a = p[L.P_LF_LP_A]
    c0 = p[L.P_GCOEF0]
    c1 = p[L.P_GCOEF1]
    noise_block = p[L.P_NOISE_BLOCK]
    mains_block = p[L.P_MAINS_BLOCK]
    warm_blocks = p[L.P_MIN_WARM_BLOCKS]
    wave_k = p[L.P_WAVE_K]
    edge_frac = p[L.P_EDGE_FRAC]
    pot_gap = p[L.P_POT_GAP]
    seg_end_frac = p[L.P_SEG_END_FRAC]
    out_capacity = out_i.shape[0]
    buf = work
    clip_repeat = p[L.P_CLIP_REPEAT]
    clip_k = p[L.P_CLIP_K]
    # Row views of the per-channel state used on every sample.
    lf_hp = cf[L.CF_LF_HP]
    lf_band = cf[L.CF_LF]
    prev_raw = cf[L.CF_PREV_RAW]
    prev_y = cf[L.CF_PREV_Y]
    env = cf[L.CF_ENV]
    blk_sumsq = cf[L.CF_BLK_SUMSQ]
    blk_sumsq_on = cf[L.CF_BLK_SUMSQ_ON]
    blk_maxe = cf[L.CF_BLK_MAXE]
    blk_raw_sum = cf[L.CF_BLK_RAW_SUM]
    blk_raw_sumsq = cf[L.CF_BLK_RAW_SUMSQ]
    blk_raw_min = cf[L.CF_BLK_RAW_MIN]
    raw_hi = cf[L.CF_RAW_HI]
    blk_raw_dsq = cf[L.CF_BLK_RAW_DSQ]
    raw_lo = cf[L.CF_RAW_LO]
    t_on = cf[L.CF_T_ON]
    floor_rms = cf[L.CF_FLOOR_RMS]
    floor_on = cf[L.CF_FLOOR_ON]
    clip_run = ci[L.CI_CLIP_RUN]
    in_seg = ci[L.CI_IN_SEG]
    blk_active = ci[L.CI_BLK_ACTIVE]
    blk_pos = ci[L.CI_BLK_POS]
    hist_count = ci[L.CI_HIST_COUNT]
    g0_s1 = cf[L.CF_G0_S1]
    g0_s2 = cf[L.CF_G0_S2]
    g1_s1 = cf[L.CF_G1_S1]
    g1_s2 = cf[L.CF_G1_S2]
    ep_diff = cf[L.CF_EP_DIFF]
    ep_energy = cf[L.CF_EP_ENERGY]
    ep_maxabs = cf[L.CF_EP_MAXABS]
    # ... and those of the segment machine, run only on busy channels.
    t_off = cf[L.CF_T_OFF]
    seg_absmax = cf[L.CF_SEG_ABSMAX]
    seg_onmax = cf[L.CF_SEG_ONMAX]
    seg_emax = cf[L.CF_SEG_EMAX]
    seg_ymax = cf[L.CF_SEG_YMAX]
    seg_ymin = cf[L.CF_SEG_YMIN]
    seg_energy = cf[L.CF_SEG_ENERGY]
    seg_lfmax = cf[L.CF_SEG_LFMAX]
    seg_lfmin = cf[L.CF_SEG_LFMIN]
    last_pp = cf[L.CF_LAST_PP]
    clipped_samples = ci[L.CI_CLIPPED_SAMPLES]
    last_clip = ci[L.CI_LAST_CLIP]
    seg_start = ci[L.CI_SEG_START]
    last_above = ci[L.CI_LAST_ABOVE]
    amp_first = ci[L.CI_AMP_FIRST]
    amp_last = ci[L.CI_AMP_LAST]
    phases = ci[L.CI_PHASES]
    last_sign = ci[L.CI_LAST_SIGN]
    seg_clip = ci[L.CI_SEG_CLIP]
    seg_activity = ci[L.CI_SEG_ACTIVITY]
    pots = ci[L.CI_POTS]
    pot1_end = ci[L.CI_POT1_END]
    pot2_onset = ci[L.CI_POT2_ONSET]
    last_end = ci[L.CI_LAST_END]
    clip_hold = p[L.P_CLIP_HOLD]
    warmup = p[L.P_WARMUP]
    motion_lf = p[L.P_MOTION_LF_UV]
    motion_samples = ci[L.CI_MOTION_SAMPLES]
    activity_min = p[L.P_ACTIVITY_MIN]
    merge_gap = p[L.P_MERGE_GAP]
    per_sample_out = L.EVENTS_PER_SAMPLE_MAX
    span = buf.shape[1]
    t = 0
    while t < n_samples:
        room = (out_capacity - gi[L.G_NOUT]) // per_sample_out
        if room <= 0:
            return t
        # A span ends at the next mains-block end (the notch may change there) and noise-block end.
        nb = min(n_samples - t, span, room, np.int64(mains_block) - gi[L.G_MAINS_POS],
                 np.int64(noise_block) - blk_pos[0])
        gi[L.G_INVALID_SAMPLES] += _front_end_span(x, t, nb, scale, sos_bp, sos_notch, notch_count, gi[L.G_MAINS_FAM],
                                                   sos_det, sos_on, zi, zn, zd, zo, c0, c1, g0_s1, g0_s2, g1_s1, g1_s2,
                                                   buf, n_ch)
        for i in range(nb):
            n = gi[L.G_N]
            any_active_in_episode = False
            # Branch-free per-channel updates: fields are contiguous over channels, so these
            # loops run several channels per instruction.
            if write_y:
                for c in range(n_ch):
                    y_out[t + i, c] = buf[1, i, c]
            # Few arrays per loop: with many, the compiler gives up on vectorising.
            for c in range(n_ch):
                raw = buf[0, i, c]
                step = raw - prev_raw[c]
                blk_raw_dsq[c] += step * step
                blk_raw_sum[c] += raw
                blk_raw_sumsq[c] += raw * raw
            # Extremes as selects (Python's min/max semantics: the first of equals): LLVM does not
            # vectorise min()/max() here.
            for c in range(n_ch):
                raw = buf[0, i, c]
                blk_raw_min[c] = raw if raw < blk_raw_min[c] else blk_raw_min[c]
                raw_hi[c] = raw if raw > raw_hi[c] else raw_hi[c]
                raw_lo[c] = raw if raw < raw_lo[c] else raw_lo[c]
            for c in range(n_ch):
                raw = buf[0, i, c]
                hp = hp_a * (lf_hp[c] + raw - prev_raw[c])
                lf_hp[c] = hp
                lf_band[c] += lp_a * (hp - lf_band[c])
            if n >= warmup:  # the low band settles from the first sample's offset meanwhile
                for c in range(n_ch):
                    motion_samples[c] += 1 if abs(lf_band[c]) > motion_lf else 0
            for c in range(n_ch):
                raw = buf[0, i, c]
                clip_run[c] = clip_run[c] + 1 if raw == prev_raw[c] else 0
                prev_raw[c] = raw
            for c in range(n_ch):
                yo = buf[3, i, c]
                e = env[c] + alpha * (yo * yo - env[c])
                env[c] = e
                blk_sumsq_on[c] += yo * yo
                blk_maxe[c] = e if e > blk_maxe[c] else blk_maxe[c]
            for c in range(n_ch):
                yd = buf[2, i, c]
                blk_sumsq[c] += yd * yd
            for c in range(n_ch):
                blk_active[c] += 1 if (in_seg[c] != 0 or env[c] > t_on[c]) else 0
                blk_pos[c] += 1
            if gi[L.G_EP_OPEN]:
                for c in range(n_ch):
                    y = buf[1, i, c]
                    dy = y - prev_y[c]
                    ep_diff[c] += dy * dy
                    ep_energy[c] += y * y
                    ay = abs(y)
                    ep_maxabs[c] = ay if ay > ep_maxabs[c] else ep_maxabs[c]
            for c in range(n_ch):
                prev_y[c] = buf[1, i, c]

            # Branchy work only where something happens: clipping candidates, activity. A cheap
            # scan first, so the common quiet sample skips the heavy loop altogether.
            busy = 0
            for c in range(n_ch):
                busy += 1 if (hist_count[c] >= warm_blocks and (
                    in_seg[c] != 0 or env[c] > t_on[c] or clip_run[c] + 1 >= clip_repeat)) else 0
            for c in range(n_ch if busy > 0 else 0):
                if hist_count[c] < warm_blocks:
                    continue
                # Clipping: a value repeated at the most extreme level seen, far from baseline.
                if clip_run[c] + 1 >= clip_repeat and abs(lf_hp[c]) > clip_k * floor_rms[c] \
                        and (buf[0, i, c] >= raw_hi[c] or buf[0, i, c] <= raw_lo[c]):
                    clipped_samples[c] += 1
                    last_clip[c] = n
                e = env[c]
                if in_seg[c] == 0 and e <= t_on[c]:
                    continue
                yd = buf[2, i, c]
                lf = lf_band[c]
                if in_seg[c] == 0:
                    limit = _ringing_limit(n - last_end[c], last_pp[c], p, gi)
                    if e <= L.RINGING_OPEN_ENERGY * limit * limit:
                        continue  # what the last large potential's ringing can explain
                    in_seg[c] = 1
                    seg_start[c] = n
                    last_above[c] = n
                    amp_first[c] = -1
                    amp_last[c] = -1
                    phases[c] = 0
                    last_sign[c] = 0
                    seg_clip[c] = 0
                    seg_activity[c] = 0
                    pots[c] = 0
                    pot1_end[c] = -1
                    pot2_onset[c] = -1
                    seg_absmax[c] = 0.0
                    seg_onmax[c] = 0.0
                    seg_emax[c] = e
                    seg_ymax[c] = yd
                    seg_ymin[c] = yd
                    seg_energy[c] = 0.0
                    seg_lfmax[c] = lf
                    seg_lfmin[c] = lf
                # Extremes as selects, not branches: inside activity their outcome is random.
                seg_ymax[c] = yd if yd > seg_ymax[c] else seg_ymax[c]
                seg_ymin[c] = yd if yd < seg_ymin[c] else seg_ymin[c]
                seg_lfmax[c] = lf if lf > seg_lfmax[c] else seg_lfmax[c]
                seg_lfmin[c] = lf if lf < seg_lfmin[c] else seg_lfmin[c]
                seg_energy[c] += yd * yd
                # The shape of a potential (extent, potentials, phases); not followed inside
                # sustained activity, which is a potential of no shape
                if seg_activity[c] == 0:
                    ay = abs(yd)
                    absmax = ay if ay > seg_absmax[c] else seg_absmax[c]
                    seg_absmax[c] = absmax
                    ao = abs(buf[3, i, c])
                    onmax = ao if ao > seg_onmax[c] else seg_onmax[c]
                    seg_onmax[c] = onmax
                    # The potential's extent: where the onset band stands out of its noise (a small
                    # potential shows there for longer than in the broader detection band)...
                    stands_out = ao > _larger(wave_k * floor_on[c], edge_frac * onmax)
                    # (selects where the outcome is random from sample to sample; a branch only
                    # where a new potential starts, which is rare)
                    if stands_out and (amp_first[c] < 0 or n - amp_last[c] > pot_gap):
                        if amp_first[c] < 0:
                            amp_first[c] = n
                            pots[c] = 1
                        else:
                            pots[c] += 1
                            if pots[c] == 2:
                                pot1_end[c] = amp_last[c]
                                pot2_onset[c] = n
                    amp_last[c] = n if stands_out else amp_last[c]
                    # ...its phases: sign changes of the detection band where that stands out (the
                    # narrower onset band would add phases of its own)
                    sign = 1 if yd > 0 else -1
                    turns = ay > _larger(wave_k * floor_rms[c], edge_frac * absmax) and sign != last_sign[c]
                    phases[c] += 1 if turns else 0
                    last_sign[c] = sign if turns else last_sign[c]
                if n - last_clip[c] <= clip_hold:
                    seg_clip[c] = 1
                if seg_activity[c]:
                    if gi[L.G_EP_OPEN] and (gi[L.G_EP_MASK] & _bit(c)):
                        any_active_in_episode = True
                elif n - seg_start[c] >= activity_min \
                        and 2.0 * seg_absmax[c] >= _ringing_limit(seg_start[c] - last_end[c], last_pp[c], p, gi):
                    # A long burst is activity, unless it is the ringing of a large potential.
                    seg_activity[c] = 1
                    _episode_activity(c, seg_start[c], n, ci, cf, gi)
                    any_active_in_episode = True
                emax = e if e > seg_emax[c] else seg_emax[c]
                seg_emax[c] = emax
                last_above[c] = n if e > _larger(t_off[c], seg_end_frac * emax) else last_above[c]
                if n - last_above[c] > merge_gap:
                    _close_segment(c, n, p, ci, cf, seg_i, seg_f, run_i, pend_i, pend_f, gi, recent)

            if blk_pos[0] >= noise_block:  # every channel's block ends on the same sample
                for c in range(n_ch):
                    _end_noise_block(c, p, ci, cf, hist, hist_sorted)

            gi[L.G_MAINS_POS] += 1
            if gi[L.G_MAINS_POS] >= mains_block:
                _end_mains_block(p, cf, gi, zn)

            if gi[L.G_EP_OPEN]:
                if any_active_in_episode:
                    gi[L.G_EP_LAST] = n
                elif n - gi[L.G_EP_LAST] > p[L.P_EP_QUIET]:
                    _close_episode(n, p, ci, cf, gi, out_i, out_f)
            if gi[L.G_NPEND] > 0 and n >= gi[L.G_NEXT_DECISION]:
                _decide_pending(n, p, ci, cf, seg_i, seg_f, run_i, pend_i, pend_f, gi, gf, ecg_h, recent, out_i, out_f)
            gi[L.G_N] = n + 1
        t += nb
    return n_samples


@njit(cache=True, nogil=True)
def finish_stream(p, ci, cf, seg_i, seg_f, run_i, pend_i, pend_f, gi, gf, ecg_h, recent, out_i, out_f):
    """End of the signal: close open segments, decide every pending event, close the episode.

    Treats the end as if quiet followed, so the last events are reported instead of lost.
    """
    n = gi[L.G_N] - 1
    for c in range(ci.shape[1]):
        if ci[L.CI_IN_SEG, c]:
            ci[L.CI_LAST_ABOVE, c] = min(ci[L.CI_LAST_ABOVE, c], n)
            _close_segment(c, n, p, ci, cf, seg_i, seg_f, run_i, pend_i, pend_f, gi, recent)
    if gi[L.G_EP_OPEN]:
        # Episode length counts up to the last activity; the close happens now.
        _close_episode(n, p, ci, cf, gi, out_i, out_f)
    # Far enough in the future that every run counts as closed.
    later = n + np.int64(p[L.P_ISO]) + 1
    if gi[L.G_NPEND] > 0:
        _decide_pending(later, p, ci, cf, seg_i, seg_f, run_i, pend_i, pend_f, gi, gf, ecg_h, recent, out_i, out_f)
