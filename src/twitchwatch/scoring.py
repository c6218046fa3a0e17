"""Score detected events against the simulator's ground truth.

Twitches: a detected fasciculation matches a true one when their onsets are within
`onset_tolerance_s` (25 ms); matching is one-to-one, closest first. True twitches that fall inside
true sustained activity (cramp/contraction) cannot be seen as isolated and are left out of both
recall and precision; so are events before the detector's warm-up ends.

Sustained activity: a detected cramp matches a true cramp when their spans overlap. We report
onset errors, cramps missed, false cramps (overlapping no true cramp) and splits (one true cramp
reported as several).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence


@dataclass(frozen=True)
class Span:
    onset_s: float
    end_s: float
    kind: str


@dataclass
class Score:
    duration_min: float
    true_twitches: int
    detected_twitches: int
    true_positives: int
    false_positives: int
    false_negatives: int
    true_cramps: int
    detected_cramps: int
    cramps_found: int
    false_cramps: int
    split_cramps: int
    cramp_onset_errors_s: list[float] = field(default_factory=list)
    true_contractions: int = 0
    contractions_found: int = 0
    contractions_called_cramp: int = 0
    cramps_called_contraction: int = 0

    @property
    def precision(self) -> float:
        d = self.true_positives + self.false_positives
        return self.true_positives / d if d else 1.0

    @property
    def recall(self) -> float:
        d = self.true_positives + self.false_negatives
        return self.true_positives / d if d else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if (p + r) else 0.0

    @property
    def false_per_min(self) -> float:
        return self.false_positives / self.duration_min if self.duration_min else 0.0

    @property
    def max_cramp_onset_error_s(self) -> float:
        return max((abs(e) for e in self.cramp_onset_errors_s), default=0.0)

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(precision=self.precision, recall=self.recall, f1=self.f1,
                 false_per_min=self.false_per_min, max_cramp_onset_error_s=self.max_cramp_onset_error_s)
        return d


def _inside(t: float, spans: Sequence[Span], margin_s: float) -> bool:
    return any(s.onset_s - margin_s <= t <= s.end_s + margin_s for s in spans)


def score_events(
    detected: Iterable,
    truth: Iterable,
    fs_hz: float,
    duration_s: float,
    *,
    onset_tolerance_s: float = 0.025,
    ignore_before_s: float = 0.0,
) -> Score:
    """Compare engine `Event`s (sample positions) with simulator `TruthEvent`s (seconds)."""
    detected = list(detected)
    truth = list(truth)
    sustained_truth = [Span(t.onset_s, t.onset_s + t.duration_s, t.kind) for t in truth
                       if t.kind in ("cramp", "contraction")]
    true_tw = sorted(t.onset_s for t in truth if t.kind == "fasciculation"
                     and t.onset_s >= ignore_before_s and not _inside(t.onset_s, sustained_truth, 0.0))
    ignored_tw = sorted(t.onset_s for t in truth if t.kind == "fasciculation"
                        and (t.onset_s < ignore_before_s or _inside(t.onset_s, sustained_truth, 0.0)))
    det_tw = sorted(e.onset_sample / fs_hz for e in detected if e.kind == "fasciculation"
                    and e.onset_sample / fs_hz >= ignore_before_s)

    # One-to-one matching, closest pairs first.
    pairs = []
    j0 = 0
    for i, d in enumerate(det_tw):
        while j0 < len(true_tw) and true_tw[j0] < d - onset_tolerance_s:
            j0 += 1
        j = j0
        while j < len(true_tw) and true_tw[j] <= d + onset_tolerance_s:
            pairs.append((abs(true_tw[j] - d), i, j))
            j += 1
    pairs.sort()
    used_d, used_t = set(), set()
    for _, i, j in pairs:
        if i not in used_d and j not in used_t:
            used_d.add(i)
            used_t.add(j)
    # Unmatched detections that match an ignored true twitch are neither right nor wrong.
    fp = 0
    for i, d in enumerate(det_tw):
        if i in used_d:
            continue
        if any(abs(d - t) <= onset_tolerance_s for t in ignored_tw):
            continue
        fp += 1

    true_cr = [s for s in sustained_truth if s.kind == "cramp"]
    true_co = [s for s in sustained_truth if s.kind == "contraction"]
    det_sus = [Span(e.onset_sample / fs_hz, e.end_sample / fs_hz, e.kind) for e in detected
               if e.kind in ("cramp", "contraction")]
    det_cr = [s for s in det_sus if s.kind == "cramp"]

    def overlaps(a: Span, b: Span) -> bool:
        return a.onset_s <= b.end_s and b.onset_s <= a.end_s

    found = 0
    splits = 0
    errors = []
    called_contraction = 0
    for t in true_cr:
        hits = [d for d in det_cr if overlaps(d, t)]
        if hits:
            found += 1
            errors.append(min(hits, key=lambda d: d.onset_s).onset_s - t.onset_s)
            splits += len(hits) > 1
        elif any(overlaps(d, t) for d in det_sus):
            called_contraction += 1
    false_cr = sum(1 for d in det_cr if not any(overlaps(d, t) for t in true_cr))
    co_found = sum(1 for t in true_co if any(overlaps(d, t) and d.kind == "contraction" for d in det_sus))
    co_as_cramp = sum(1 for t in true_co if any(overlaps(d, t) and d.kind == "cramp" for d in det_sus))

    return Score(
        duration_min=max(duration_s - ignore_before_s, 0.0) / 60.0,
        true_twitches=len(true_tw),
        detected_twitches=len(det_tw),
        true_positives=len(used_t),
        false_positives=fp,
        false_negatives=len(true_tw) - len(used_t),
        true_cramps=len(true_cr),
        detected_cramps=len(det_cr),
        cramps_found=found,
        false_cramps=false_cr,
        split_cramps=splits,
        cramp_onset_errors_s=errors,
        true_contractions=len(true_co),
        contractions_found=co_found,
        contractions_called_cramp=co_as_cramp,
        cramps_called_contraction=called_contraction,
    )
