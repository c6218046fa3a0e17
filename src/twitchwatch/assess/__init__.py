"""Status assessment: is this recording's twitching benign or concerning, or can't it tell yet?

    from twitchwatch.assess import Evidence, assess, HistoryStore, default_history_path

    ev = Evidence.from_summary(summary.as_dict(include_events=False),
                               symptoms={"weakness"}, context={"caffeine"}, muscle="left calf",
                               history=store.view())
    a = assess(ev)
    a.status        # "warming up" | "poor signal" | "benign" | "concerning"
    a.reasons       # plain sentences with numbers
    a.advice        # what to do
    a.disclaimer    # twitchwatch.NOT_A_DIAGNOSTIC_DEVICE

Modules: ``vocab`` (statuses, red-flag symptoms, context tags, advice), ``evidence`` (what the
rules look at), ``rules`` (the versioned rule table), ``status`` (``assess``), ``strength``
(scoring strength checks, the decline statistic), ``strength_protocol`` (the guided check's
steps, scoring a check on its best channel), ``trends`` (rates by context, strength per label),
``history`` (the SQLite store).

A ground-floor domain: it imports nothing from the engine, the simulator, formats, sources,
sinks or the session; it reads a session summary as the plain dict ``as_dict`` gives.
"""

from twitchwatch.assess.evidence import (
    ChannelEvidence, Evidence, HistoryView, PastSession, check_muscle, duration_text,
)
from twitchwatch.assess.history import (
    ENV_HISTORY_DB, SCHEMA_VERSION, HistoryError, HistoryStore, SessionRecord, StoredSession,
    default_history_path,
)
from twitchwatch.assess.rules import RULES, RULES_BY_ID, RULES_VERSION, Finding, Rule, rules_table_markdown
from twitchwatch.assess.status import Assessment, assess, format_assessment
from twitchwatch.assess.strength import (
    StrengthCheck, StrengthTrend, Trial, find_trials, score_check, sliding_rms, strength_trend,
)
from twitchwatch.assess.vocab import (
    BENIGN, CONCERNING, CONTEXT_TAGS, POOR_SIGNAL, RED_FLAG_SYMPTOMS, STATUSES, WARMING_UP,
)

__all__ = [
    "BENIGN", "CONCERNING", "CONTEXT_TAGS", "ENV_HISTORY_DB", "POOR_SIGNAL", "RED_FLAG_SYMPTOMS",
    "RULES", "RULES_BY_ID", "RULES_VERSION", "SCHEMA_VERSION", "STATUSES", "WARMING_UP",
    "Assessment", "ChannelEvidence", "Evidence", "Finding", "HistoryError", "HistoryStore",
    "HistoryView", "PastSession", "Rule", "SessionRecord", "StoredSession", "StrengthCheck",
    "StrengthTrend", "Trial", "assess", "check_muscle", "default_history_path", "duration_text",
    "find_trials", "format_assessment", "rules_table_markdown", "score_check", "sliding_rms",
    "strength_trend",
]
