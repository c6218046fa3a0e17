"""Text for people: the summary of a session, as printed by `analyze` and `demo`."""

from __future__ import annotations

import math

from twitchwatch.engine import EVENT_KINDS, ChannelQuality
from twitchwatch.session import SessionSummary


def mmss(seconds: float) -> str:
    """62.5 -> "01:02"; 3725 -> "1:02:05"."""
    s = int(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def rate_text(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1f}"


def counts_text(counts: dict[str, int]) -> str:
    kinds = list(EVENT_KINDS) + [k for k in counts if k not in EVENT_KINDS]
    return ", ".join(f"{k} {counts.get(k, 0)}" for k in kinds)


def quality_cells(q: ChannelQuality) -> tuple[str, str, str, str]:
    """(noise, mains, clipping, ECG) as short strings."""
    if q.warming_up:
        return "warming up", "", "", ""
    noise = f"{q.noise_floor_uv_rms:.1f}" if math.isfinite(q.noise_floor_uv_rms) else "?"
    mains = f"{q.mains_hz:g} Hz {q.mains_uv:5.1f} uV" if q.mains_hz else f"none {q.mains_uv:5.1f} uV"
    clip = f"{100 * q.clipping_fraction:.2f} %"
    ecg = f"{q.ecg_bpm:.0f} bpm" if (q.ecg_present and q.ecg_bpm) else ("yes" if q.ecg_present else "-")
    return noise, mains, clip, ecg


def channel_table(summary: SessionSummary, quality: list[ChannelQuality] | None = None) -> list[str]:
    """One line per channel: twitches, rate, noise floor, mains, clipping, ECG."""
    quality = summary.quality if quality is None else quality
    labels = summary.channel_labels
    w = max(7, max((len(x) for x in labels), default=0))
    lines = [f"  {'channel':<{w}}  twitches    /min  noise uV RMS  mains             clipping  ECG"]
    rates = summary.twitch_rate_per_min_by_channel
    by_channel = {q.channel: q for q in quality}
    for c, label in enumerate(labels):
        q = by_channel.get(c)
        noise, mains, clip, ecg = quality_cells(q) if q is not None else ("-", "", "", "")
        lines.append(
            f"  {label:<{w}}  {summary.twitches_per_channel[c]:>8}  {rate_text(rates[c]):>6}"
            f"  {noise:>12}  {mains:<16}  {clip:>8}  {ecg}".rstrip()
        )
    return lines


def format_summary(summary: SessionSummary, *, what: str = "file") -> str:
    """The human summary of one session (no trailing newline)."""
    s = summary
    labels = s.channel_labels
    lines = [
        f"{what:<14} {s.source}",
        f"{'duration':<14} {s.duration_s:.1f} s ({mmss(s.duration_s)}), {s.samples} samples; "
        f"{s.observed_s:.1f} s observed after the {s.warmup_s:g} s warm-up"
        + ("; stopped early" if s.stopped_early else ""),
        f"{'sampling rate':<14} {s.fs_hz:g} Hz",
        f"{'channels':<14} {s.n_channels}: {', '.join(labels)} (microvolts)",
        f"{'events':<14} {counts_text(s.counts)}",
    ]
    if s.flag_counts:
        lines.append(f"{'flags':<14} " + ", ".join(f"{k} {v}" for k, v in sorted(s.flag_counts.items())))
    sustained = [f"{k} {v:.1f} s" for k, v in s.sustained_s.items() if v > 0]
    if sustained:
        lines.append(f"{'sustained':<14} " + ", ".join(sustained))
    lines.append(f"{'twitch rate':<14} {rate_text(s.twitch_rate_per_min)} /min overall "
                 f"({s.twitch_count} twitches in {s.observed_s:.1f} s observed)")
    lines.append("per channel and signal quality:")
    lines.extend(channel_table(s))
    if s.warnings:
        lines.append("warnings:")
        lines.extend(f"  - {w}" for w in s.warnings)
    return "\n".join(lines)
