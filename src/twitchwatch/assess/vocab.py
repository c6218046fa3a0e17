"""The words the assessment speaks: statuses, red-flag symptoms, context tags, advice.

Every name here is part of the interface (CLI options, SUMMARY.json, the history database), so
they are spelled exactly as the issue (#6) fixes them and never renamed without a migration.
"""

from __future__ import annotations

# ---- statuses ---------------------------------------------------------------------------------
WARMING_UP = "warming up"
POOR_SIGNAL = "poor signal"
BENIGN = "benign"
CONCERNING = "concerning"
STATUSES = (WARMING_UP, POOR_SIGNAL, BENIGN, CONCERNING)

# ---- what the user reports --------------------------------------------------------------------
#: red-flag symptoms: the company that makes twitching concerning (DESIGN.md section 1)
RED_FLAG_SYMPTOMS: dict[str, str] = {
    "weakness": "progressive weakness",
    "wasting": "muscle wasting (a muscle getting visibly thinner)",
    "fine-motor": "trouble with fine movements (buttons, writing, keys)",
    "swallowing": "trouble swallowing",
    "speech": "trouble speaking (slurred or slow speech)",
}

#: context tags: the common benign triggers of twitching
CONTEXT_TAGS: dict[str, str] = {
    "exercise": "intense exercise (the recording is from the recovery after it)",
    "caffeine": "caffeine or other stimulants",
    "poor-sleep": "poor or short sleep",
    "stress": "stress or anxiety",
    "dehydration": "dehydration",
    "electrolytes": "low magnesium, potassium or calcium (known or suspected)",
}

# ---- what to do, per status ---------------------------------------------------------------------
BENIGN_TRIGGERS = ("intense exercise", "caffeine and other stimulants", "stress and anxiety",
                   "poor sleep", "dehydration", "low magnesium, potassium or calcium")

ADVICE: dict[str, tuple[str, ...]] = {
    CONCERNING: (
        "Consult a clinician (your doctor, who may refer you to a neurologist) about what is "
        "listed above; bring this report. A monitor cannot tell the cause: only an examination "
        "can.",
        "Until then, keep recording at rest now and then, and repeat the strength check, so the "
        "clinician sees how things change.",
    ),
    BENIGN: (
        "Twitching like this is common and usually harmless. Common triggers worth looking at: "
        + ", ".join(BENIGN_TRIGGERS) + ".",
        "See a clinician if weakness, muscle wasting, or trouble with fine movements, "
        "swallowing or speaking appears, or if cramps keep coming back.",
    ),
    POOR_SIGNAL: (
        "Improve the signal and record again: clean the skin (alcohol wipe, dry), use fresh "
        "electrodes pressed on firmly, keep the cables still and taped, move away from "
        "mains-powered devices and chargers.",
        "Use the sensor's raw EMG output, not its envelope, and lower the gain if it clips.",
    ),
    WARMING_UP: (
        "Keep recording with the muscle relaxed and at rest: at least 2 minutes of steady "
        "signal are needed before a twitch rate, or 'no twitches', means anything.",
    ),
}

NO_TWITCHES_ADVICE = ("No twitching was seen in this recording. If you feel twitches at other "
                      "times, record then, at rest, for a few minutes.")

EXERCISE_ADVICE = ("After intense exercise, twitching during the recovery is common and "
                   "settles within hours to a few days; rest, drink, eat, and record again at "
                   "rest another day to compare.")


def unknown_name_message(kind: str, value: str, accepted) -> str:
    """"unknown symptom 'x'; accepted: a, b, c" (the CLI's and the API's wording)."""
    return f"unknown {kind} {value!r}; accepted: {', '.join(accepted)}"


def check_names(kind: str, values, accepted) -> frozenset[str]:
    """Validate symptom or context names; raise ValueError naming the accepted ones."""
    out = set()
    for v in values:
        if v not in accepted:
            raise ValueError(unknown_name_message(kind, v, accepted))
        out.add(v)
    return frozenset(out)
