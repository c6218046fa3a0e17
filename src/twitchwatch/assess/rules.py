"""The status rules: one versioned table of `Rule` records, each with its own small check.

Every number the assessment uses lives in a rule's ``limits`` (units in the names) and is
shown, with units, in its ``threshold``. `RULES_VERSION` is stored with every status in the
history: bump it whenever a rule, a limit or the way statuses combine changes.

How findings become a status (`twitchwatch.assess.assess`):

1. a ``concerning`` finding whose ``needs`` are met -> **concerning**. ``needs`` is ``nothing``
   (reported symptoms, strength checks, history: they do not depend on this recording),
   ``usable signal`` (no poor-signal finding) or ``observation`` (usable signal and no
   warming-up finding);
2. else any ``poor signal`` finding -> **poor signal**;
3. else any ``warming up`` finding -> **warming up**;
4. else **benign**. ``note`` findings add reasons and change nothing.

Twitch counts and rates alone are never a concerning finding: benign fasciculation syndrome
produces many twitches (DESIGN.md section 1). Concerning needs company: red-flag symptoms, a
strength decline beyond the measurement's own variability, recurrent cramps with twitching,
complex twitch shapes becoming common, or twitching widespread and sustained over sessions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

from twitchwatch.assess.evidence import Evidence, channels_text, duration_text, plural
from twitchwatch.assess.strength import strength_trend
from twitchwatch.assess.vocab import (
    CONCERNING, CONTEXT_TAGS, POOR_SIGNAL, RED_FLAG_SYMPTOMS, WARMING_UP,
)

RULES_VERSION = 2  # 2: Q4 also counts motion swings (quality motion_s)

NOTE = "note"
EFFECTS = (WARMING_UP, POOR_SIGNAL, CONCERNING, NOTE)
NEEDS_NOTHING = "nothing"
NEEDS_SIGNAL = "usable signal"
NEEDS_OBSERVATION = "observation"
NEEDS = (NEEDS_NOTHING, NEEDS_SIGNAL, NEEDS_OBSERVATION)


@dataclass(frozen=True)
class Finding:
    """A rule that fired, with its reason in plain words and numbers."""

    rule_id: str
    effect: str
    needs: str
    text: str


@dataclass(frozen=True)
class Rule:
    """One row of the table.

    id: stable name ("R1-red-flag-symptoms"), stored with statuses. evidence: what is looked
    at. threshold: when it fires, in words with units. limits: the numbers (units in the
    names) that ``check`` uses. effect: what a finding does (`EFFECTS`). needs: what must hold
    for a concerning finding to count (`NEEDS`). source: where the threshold comes from.
    check(evidence, rule) -> Finding | None.
    """

    id: str
    evidence: str
    threshold: str
    limits: Mapping[str, float]
    effect: str
    needs: str
    source: str
    check: Callable[[Evidence, Rule], Finding | None] = field(repr=False, compare=False)

    def __post_init__(self):
        if self.effect not in EFFECTS:
            raise ValueError(f"rule {self.id}: effect must be one of {EFFECTS}, got {self.effect!r}")
        if self.needs not in NEEDS:
            raise ValueError(f"rule {self.id}: needs must be one of {NEEDS}, got {self.needs!r}")
        object.__setattr__(self, "limits", MappingProxyType(dict(self.limits)))

    def finding(self, text: str) -> Finding:
        return Finding(self.id, self.effect, self.needs, text)

    def as_dict(self) -> dict:
        return {"id": self.id, "evidence": self.evidence, "threshold": self.threshold,
                "limits": dict(self.limits), "effect": self.effect, "needs": self.needs,
                "source": self.source}


# ---- checks ------------------------------------------------------------------------------------
def _observation(ev: Evidence, rule: Rule) -> Finding | None:
    need = rule.limits["min_observed_s"]
    if ev.observed_s >= need:
        return None
    if ev.observed_s <= 0:
        return rule.finding(f"nothing observed yet ({ev.duration_s:.0f} s of signal, all of it the "
                            f"detector's warm-up): at least {need / 60:g} min at rest are needed")
    return rule.finding(f"{duration_text(ev.observed_s)} observed after the detector's warm-up: a "
                        f"twitch rate, or 'no twitches', means something only after "
                        f"{need / 60:g} min at rest ({need - ev.observed_s:.0f} s to go)")


def _judged_channels(ev: Evidence):
    return [c for c in ev.channels if not c.warming_up]


def _most(bad: list, judged: list, share: float) -> bool:
    return bool(judged) and len(bad) > share * len(judged)


def _noise(ev: Evidence, rule: Rule) -> Finding | None:
    limit = rule.limits["max_noise_floor_uv_rms"]
    judged = _judged_channels(ev)
    bad = [c for c in judged if c.noise_floor_uv_rms > limit]
    if not _most(bad, judged, rule.limits["min_channel_share"]):
        return None
    lo, hi = min(c.noise_floor_uv_rms for c in bad), max(c.noise_floor_uv_rms for c in bad)
    level = f"{lo:.1f}" if f"{lo:.1f}" == f"{hi:.1f}" else f"{lo:.1f}-{hi:.1f}"
    return rule.finding(f"noise floor {level} µV RMS on {channels_text([c.label for c in bad], len(judged))}: "
                        f"above {limit:g} µV RMS, twitches of 30 µV are lost in the noise")


def _clipping(ev: Evidence, rule: Rule) -> Finding | None:
    limit = rule.limits["max_clipping_percent"]
    judged = _judged_channels(ev)
    bad = [c for c in judged if 100.0 * c.clipping_fraction > limit]
    if not _most(bad, judged, rule.limits["min_channel_share"]):
        return None
    worst = max(100.0 * c.clipping_fraction for c in bad)
    return rule.finding(f"the signal clips (hits the sensor's limit) in up to {worst:.1f} % of samples on "
                        f"{channels_text([c.label for c in bad], len(judged))}: more than {limit:g} %")


def _envelope(ev: Evidence, rule: Rule) -> Finding | None:
    judged = _judged_channels(ev)
    bad = [c for c in judged if c.envelope_only]
    if not _most(bad, judged, rule.limits["min_channel_share"]):
        return None
    return rule.finding(f"{channels_text([c.label for c in bad], len(judged))} look like an envelope "
                        "(rectified, smoothed), not raw EMG: twitches cannot be seen in it")


def _artefacts(ev: Evidence, rule: Rule) -> Finding | None:
    if ev.observed_s <= 0:
        return None
    # artefact events, or the low-frequency swings of motion where they outlast those events
    share = 100.0 * max(ev.artefact_s_not_heartbeats, ev.motion_s) / ev.observed_s
    if share <= rule.limits["max_artefact_time_percent"]:
        return None
    return rule.finding(f"artefacts (motion, electrode pops, clipping, bursts) cover {share:.0f} % of "
                        f"the time observed: more than {rule.limits['max_artefact_time_percent']:g} %, "
                        "so twitches are hidden under them and the count cannot be trusted")


def _low_rate(ev: Evidence, rule: Rule) -> Finding | None:
    if not 0 < ev.fs_hz <= rule.limits["max_fs_hz"]:
        return None
    return rule.finding(f"sampled at {ev.fs_hz:g} Hz: surface EMG reaches ~450 Hz, so twitches may be "
                        "missed or misjudged at this rate (lower confidence)")


def _symptoms(ev: Evidence, rule: Rule) -> Finding | None:
    if len(ev.symptoms) < rule.limits["min_symptoms"]:
        return None
    names = [RED_FLAG_SYMPTOMS[s] for s in RED_FLAG_SYMPTOMS if s in ev.symptoms]
    return rule.finding("reported " + ", ".join(names))


def _strength(ev: Evidence, rule: Rule) -> Finding | None:
    if ev.history is None:
        return None
    texts = []
    for label, checks in sorted(ev.history.strength.items()):
        checks = [c for c in checks if c.taken_at <= ev.started_at]  # not later checks
        trend = strength_trend(checks, loa_floor=rule.limits["loa_floor_percent"] / 100.0,
                               min_baseline=int(rule.limits["min_baseline_checks"]),
                               recent=int(rule.limits["recent_checks"]))
        if trend is not None and trend.declined:
            texts.append(trend.text())
    if not texts:
        return None
    return rule.finding("strength declined, repeatedly and beyond measurement noise: " + "; ".join(texts))


def _recent_past(ev: Evidence, days: float):
    if ev.history is None:
        return []
    since = ev.started_at - timedelta(days=days)
    return [s for s in ev.history.sessions if since <= s.started_at <= ev.started_at
            and s.judged]


def _cramps(ev: Evidence, rule: Rule) -> Finding | None:
    lim = rule.limits
    if ev.cramps < 1 or ev.twitches < lim["min_twitches"]:
        return None
    past = sum(s.cramps for s in _recent_past(ev, lim["history_days"]))
    if ev.cramps + past < lim["min_cramps"]:
        return None
    earlier = f", and {plural(past, 'cramp')} in earlier sessions of the last {lim['history_days']:g} days" \
        if past else ""
    return rule.finding(f"{plural(ev.cramps, 'cramp')} ({ev.cramp_s:.0f} s in all) in "
                        f"{duration_text(max(ev.observed_s, ev.duration_s))} together with "
                        f"{plural(ev.twitches, 'twitch', 'twitches')}{earlier}: recurrent cramps with twitching")


def _complex(ev: Evidence, rule: Rule) -> Finding | None:
    n, k = ev.twitches, ev.complex_twitches
    if n < rule.limits["min_twitches"] or 100.0 * k < rule.limits["min_complex_percent"] * n:
        return None
    return rule.finding(f"{k} of {n} twitches ({100.0 * k / n:.0f} %) have complex shapes (more than "
                        f"4 phases): complex twitches are common in this recording")


def _judgeable(ev: Evidence) -> bool:
    """This recording passes the warming-up and poor-signal rules of the table."""
    return not any(r.check(ev, r) for r in RULES if r.effect in (WARMING_UP, POOR_SIGNAL))


def _widespread(ev: Evidence, rule: Rule) -> Finding | None:
    if ev.history is None:
        return None
    lim = rule.limits
    twitching = [(s.muscle, s.started_at) for s in ev.history.sessions
                 if s.started_at <= ev.started_at and s.judged and s.muscle and "exercise" not in s.context
                 and s.twitches >= lim["min_twitches_per_session"]]
    if (ev.muscle and "exercise" not in ev.context and ev.twitches >= lim["min_twitches_per_session"]
            and _judgeable(ev)):
        twitching.append((ev.muscle, ev.started_at))
    sites = sorted({m for m, _ in twitching})
    if len(sites) < lim["min_sites"]:
        return None
    times = [t for _, t in twitching]
    span_days = (max(times) - min(times)).total_seconds() / 86400.0
    if span_days < lim["min_span_days"]:
        return None
    return rule.finding(f"twitching at {len(sites)} sites ({', '.join(sites)}) in "
                        f"{len(twitching)} sessions over {span_days:.0f} days: widespread and sustained")


def _post_exercise(ev: Evidence, rule: Rule) -> Finding | None:
    if "exercise" not in ev.context or ev.twitches < rule.limits["min_twitches"]:
        return None
    return rule.finding("tagged exercise: twitching during the recovery after intense exercise is the "
                        "common benign recovery kind (more twitches and doublets than at rest); it "
                        "settles within hours to days")


def _triggers(ev: Evidence, rule: Rule) -> Finding | None:
    tags = [t for t in CONTEXT_TAGS if t in ev.context and t != "exercise"]
    if len(tags) < rule.limits["min_tags"]:
        return None
    return rule.finding("tagged " + ", ".join(CONTEXT_TAGS[t] for t in tags)
                        + ": a common trigger of benign twitching")


# ---- the table -----------------------------------------------------------------------------------
RULES: tuple[Rule, ...] = (
    Rule("W1-observation", "signal observed at rest after the detector's warm-up",
         "< 120 s observed", {"min_observed_s": 120.0}, WARMING_UP, NEEDS_NOTHING,
         "Zhou 2012: ~70 s to catch one twitch on an array; 2 min gives P(>= 5 twitches) ~ 0.95 "
         "when twitching is present", _observation),
    Rule("Q1-noise-floor", "noise floor per channel (µV RMS, detection band)",
         "> 4 µV RMS on more than half of the channels",
         {"max_noise_floor_uv_rms": 4.0, "min_channel_share": 0.5}, POOR_SIGNAL, NEEDS_NOTHING,
         "this project's detector on the simulator: recall of 30 µV p-p twitches falls to ~60 % at "
         "a 4 µV RMS floor (2 kHz) and below at 250 Hz (tests/assess/test_calibration.py); on the "
         "skin, potentials are small (Bashford 2019)", _noise),
    Rule("Q2-clipping", "share of samples at the sensor's limit, per channel",
         "> 1 % of samples on more than half of the channels",
         {"max_clipping_percent": 1.0, "min_channel_share": 0.5}, POOR_SIGNAL, NEEDS_NOTHING,
         "issue #6; clipped stretches hide twitches and make false ones", _clipping),
    Rule("Q3-envelope-only", "input looks like an envelope (rectified, smoothed), not raw EMG",
         "on more than half of the channels", {"min_channel_share": 0.5}, POOR_SIGNAL,
         NEEDS_NOTHING, "MyoWare 2.0 documentation (use the RAW output); an envelope has no "
         "potential shapes to detect", _envelope),
    Rule("Q4-mostly-artefact", "time covered by artefact events (not heart beats), or by "
         "low-frequency motion swings on a channel (quality motion_s), in the time observed",
         "> 10 % of the time", {"max_artefact_time_percent": 10.0}, POOR_SIGNAL,
         NEEDS_NOTHING, "SPiQE leaves noisy segments out before counting (Bashford 2019); the "
         "share is this project's choice: the detector is blind under artefacts", _artefacts),
    Rule("Q5-low-sampling-rate", "sampling rate", "<= 250 Hz", {"max_fs_hz": 250.0}, NOTE,
         NEEDS_NOTHING, "surface EMG band up to ~450-500 Hz (SENIAM); consumer boards at "
         "200-250 Hz (DESIGN.md)", _low_rate),
    Rule("R1-red-flag-symptoms", "symptoms the user reports: " + ", ".join(RED_FLAG_SYMPTOMS),
         ">= 1 reported", {"min_symptoms": 1}, CONCERNING, NEEDS_NOTHING,
         "DESIGN.md section 1: what makes twitching concerning is its company (progressive "
         "weakness, wasting, trouble with fine movements, swallowing or speaking)", _symptoms),
    Rule("S1-strength-decline", "strength checks per muscle/channel label (history)",
         "each of the last 2 checks > 39 % (or the checks' own 95 % variability, if larger) below "
         "the median of the first 2-3 checks",
         {"loa_floor_percent": 39.0, "min_baseline_checks": 2, "recent_checks": 2}, CONCERNING,
         NEEDS_NOTHING, "Buckthorpe 2012: maximal-contraction RMS test-retest limits of agreement "
         "39-67 %: only large, repeated declines mean anything", _strength),
    Rule("C1-cramps-with-twitching", "cramps and twitches in this session (and cramps in judged "
         "sessions of the last 30 days)",
         ">= 1 cramp now, >= 2 cramps in all, and >= 3 twitches now",
         {"min_cramps": 2, "min_twitches": 3, "history_days": 30.0}, CONCERNING, NEEDS_SIGNAL,
         "DESIGN.md section 1 and issue #6: recurrent cramps together with twitching; cramp "
         "physiology: Minetto 2009, Hallegraeff 2017", _cramps),
    Rule("X1-complex-common", "share of twitches with complex shapes (> 4 phases, flag 'complex')",
         ">= 20 % of at least 10 twitches", {"min_complex_percent": 20.0, "min_twitches": 10},
         CONCERNING, NEEDS_OBSERVATION,
         "Shimizu 2014: complex fasciculations (> 4 phases) are prognostically worse in ALS; "
         "typical fasciculation potentials have ~3 phases (de Carvalho & Swash)", _complex),
    Rule("H1-widespread-sustained", "muscle sites (--muscle) with twitching (>= 5 twitches in a "
         "judged session, not tagged exercise) in the history and now",
         ">= 3 sites, in sessions spanning >= 28 days",
         {"min_sites": 3, "min_span_days": 28.0, "min_twitches_per_session": 5},
         CONCERNING, NEEDS_NOTHING,
         "spread over body regions and over time, as the Awaji criteria weigh fasciculations "
         "(de Carvalho 2008); the numbers are this project's conservative choice", _widespread),
    Rule("N1-post-exercise", "context tag 'exercise' with twitching", ">= 1 twitch",
         {"min_twitches": 1}, NOTE, NEEDS_NOTHING,
         "DESIGN.md section 1: post-exercise twitching during recovery is benign", _post_exercise),
    Rule("N2-benign-triggers", "context tags other than exercise: " + ", ".join(
         t for t in CONTEXT_TAGS if t != "exercise"), ">= 1 tag", {"min_tags": 1}, NOTE,
         NEEDS_NOTHING, "DESIGN.md section 1: caffeine and stimulants, stress and anxiety, poor "
         "sleep, dehydration, low magnesium/potassium/calcium", _triggers),
)

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


def rules_table_markdown(rules=RULES) -> str:
    """The table as Markdown (for docs and `--help` texts)."""
    lines = [f"Status rules, version {RULES_VERSION}", "",
             "| id | evidence | threshold | effect | needs | source |", "|---|---|---|---|---|---|"]
    for r in rules:
        lines.append(f"| {r.id} | {r.evidence} | {r.threshold} | {r.effect} | {r.needs} | {r.source} |")
    return "\n".join(lines)
