"""The status the window shows: from `twitchwatch.assess` when it is installed, else a placeholder.

    info = compute_status(summary_dict, symptoms={"weakness"}, context={"caffeine"})
    info.status, info.reasons, info.advice, info.disclaimer

``summary_dict`` is `SessionSummary.as_dict(include_events=False)` with the live quality filled
in. `twitchwatch.assess` is imported lazily and its API may change: if it is absent or fails,
the placeholder answers ("warming up" for the first 2 minutes, "poor signal" from quality
problems, otherwise "listening") and says that the full assessment is unavailable.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE
from twitchwatch._logging import logger

WARMING_UP = "warming up"
POOR_SIGNAL = "poor signal"
BENIGN = "benign"
CONCERNING = "concerning"
LISTENING = "listening"
#: the placeholder's warm-up: the time needed before a rate, or "no twitches", means anything
PLACEHOLDER_OBSERVATION_S = 120.0

#: the names `twitchwatch.assess` accepts (issue #6), used when it is absent
FALLBACK_SYMPTOMS = {
    "weakness": "progressive weakness",
    "wasting": "muscle wasting",
    "fine-motor": "trouble with fine movements",
    "swallowing": "trouble swallowing",
    "speech": "trouble speaking",
}
FALLBACK_CONTEXT = {
    "exercise": "intense exercise",
    "caffeine": "caffeine or other stimulants",
    "poor-sleep": "poor or short sleep",
    "stress": "stress or anxiety",
    "dehydration": "dehydration",
    "electrolytes": "low magnesium, potassium or calcium",
}
#: reasons the window leaves out: it does not use the history yet (a later version will)
_HIDDEN_NOTE_PREFIXES = ("history not used",)


@dataclass(frozen=True)
class StatusInfo:
    status: str
    reasons: tuple[str, ...]
    advice: tuple[str, ...]
    disclaimer: str = NOT_A_DIAGNOSTIC_DEVICE
    from_assess: bool = True


_assess_cache: list = []


def assess_module():
    """`twitchwatch.assess`, or None when it is absent or does not load."""
    if not _assess_cache:
        try:
            _assess_cache.append(importlib.import_module("twitchwatch.assess"))
        except Exception as exc:  # noqa: BLE001 - optional, developed alongside
            logger.info("twitchwatch.assess is not available (%s): the window uses a placeholder", exc)
            _assess_cache.append(None)
    return _assess_cache[0]


def vocabulary() -> tuple[dict[str, str], dict[str, str]]:
    """(red-flag symptoms, context tags): name -> description."""
    mod = assess_module()
    symptoms = getattr(mod, "RED_FLAG_SYMPTOMS", None) if mod is not None else None
    context = getattr(mod, "CONTEXT_TAGS", None) if mod is not None else None
    return dict(symptoms or FALLBACK_SYMPTOMS), dict(context or FALLBACK_CONTEXT)


def quality_problems(summary: Mapping) -> list[str]:
    """Problems that make the signal poor: clipping, mains hum, an envelope instead of raw EMG."""
    out = []
    for q in summary.get("quality", []):
        if q.get("warming_up"):
            continue
        for p in q.get("problems", []):
            if p.startswith(("clipping", "strong mains", "looks like an envelope")):
                out.append(f"{q.get('label', q.get('channel'))}: {p}")
    return out


def placeholder_status(summary: Mapping, symptoms: Iterable[str] = (), note: str = "") -> StatusInfo:
    observed = float(summary.get("observed_s", 0.0))
    twitches = int(summary.get("counts", {}).get("fasciculation", 0))
    rate = f"{60.0 * twitches / observed:.1f}/min" if observed > 0 else "-"
    extra = (note,) if note else ("the full assessment (benign / concerning) is not installed",)
    problems = quality_problems(summary)
    advice_symptoms = ()
    if symptoms:
        advice_symptoms = ("You reported " + ", ".join(sorted(symptoms)) + ": see a clinician "
                           "about it, whatever the sensor shows.",)
    if problems:
        return StatusInfo(POOR_SIGNAL, tuple(problems) + extra,
                          ("Clean the skin, press the electrodes on firmly, keep the cables still "
                           "and away from mains-powered devices.",) + advice_symptoms,
                          from_assess=False)
    if observed < PLACEHOLDER_OBSERVATION_S:
        return StatusInfo(WARMING_UP, (f"{observed:.0f} s of {PLACEHOLDER_OBSERVATION_S:.0f} s "
                                       f"observed; {twitches} twitches so far",) + extra,
                          ("Keep the muscle relaxed and at rest for at least 2 minutes.",)
                          + advice_symptoms, from_assess=False)
    return StatusInfo(LISTENING, (f"{twitches} twitches in {observed / 60:.1f} min ({rate})",) + extra,
                      ("Keep recording at rest.",) + advice_symptoms, from_assess=False)


def compute_status(summary: Mapping, symptoms: Iterable[str] = (), context: Iterable[str] = ()) -> StatusInfo:
    """The status for a live session summary (see the module docstring)."""
    symptoms, context = frozenset(symptoms), frozenset(context)
    mod = assess_module()
    if mod is None:
        return placeholder_status(summary, symptoms)
    try:
        ev = mod.Evidence.from_summary(summary, symptoms=symptoms, context=context)
        a = mod.assess(ev)
        reasons = tuple(r for r in a.reasons if not r.startswith(_HIDDEN_NOTE_PREFIXES))
        return StatusInfo(str(a.status), reasons, tuple(a.advice),
                          getattr(a, "disclaimer", NOT_A_DIAGNOSTIC_DEVICE), True)
    except Exception as exc:  # noqa: BLE001 - the assessment's API is still moving: degrade, say so
        logger.warning("twitchwatch.assess failed (%s: %s); showing the placeholder status",
                       type(exc).__name__, exc)
        return placeholder_status(summary, symptoms,
                                  note=f"full assessment unavailable ({type(exc).__name__}: {exc})")
