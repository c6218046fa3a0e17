"""Finding LSL streams: list what is on the network, resolve one by name, type or source_id.

    from twitchwatch.sources.lsl_discovery import list_streams, find_streams
    for d in list_streams(wait_s=1.0):          # StreamDescription, EMG-like ones first
        print(d.short(), emg_likeness(d))
    matches = find_streams(source_id="obci-1", timeout_s=5.0)

Matching of names and source_ids is exact; types are matched case-insensitively ("EMG" finds
"emg" and "Emg"), and the type "emg-like" finds every stream that looks like EMG (EMG, ExG,
EEG, a MAC address...). LSL's queries are XPath predicates; values are quoted here, so any text
is safe to pass.
"""

from __future__ import annotations

import pylsl

from twitchwatch.sources.lsl_meta import StreamDescription, describe, emg_likeness, type_matches

#: how long `list_streams` listens for answers by default (LSL recommends >= 0.5 s)
DEFAULT_LIST_WAIT_S = 1.0
#: after a first match, listen this much longer for more (to notice ambiguous choices); liblsl
#: asks again every ~0.5 s, and one wave does not always reach every outlet on a machine
EXTRA_WAIT_S = 0.6
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class StreamNotFound(LookupError):
    """No stream matched within the time allowed; the message says what to try."""


class AmbiguousStream(LookupError):
    """Several streams matched; ``matches`` holds them (`StreamDescription`)."""

    def __init__(self, message: str, matches: list[StreamDescription]):
        super().__init__(message)
        self.matches = matches


def xpath_literal(value: str) -> str:
    """An XPath string literal for any text."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    parts = value.split("'")
    return "concat(" + ", \"'\", ".join(f"'{p}'" for p in parts) + ")"


def predicate(*, name: str | None = None, type: str | None = None,  # noqa: A002
              source_id: str | None = None, hostname: str | None = None,
              channel_count: int | None = None) -> str:
    """The LSL (XPath) predicate for the given properties; types case-insensitive."""
    terms = []
    if name is not None:
        terms.append(f"name={xpath_literal(name)}")
    if type is not None and type.strip().lower() not in ("emg-like", "emglike", "any-emg"):
        terms.append(f"translate(type,'{_UPPER}','{_UPPER.lower()}')="
                     f"{xpath_literal(type.strip().lower())}")
    if source_id is not None:
        terms.append(f"source_id={xpath_literal(source_id)}")
    if hostname is not None:
        terms.append(f"hostname={xpath_literal(hostname)}")
    if channel_count is not None:
        terms.append(f"channel_count={int(channel_count)}")
    return " and ".join(terms) if terms else "name"  # "name": every stream has one


def _sort(descs: list[StreamDescription]) -> list[StreamDescription]:
    return sorted(descs, key=lambda d: (not emg_likeness(d)[0], d.name.lower(), d.hostname, d.source_id))


def list_streams(wait_s: float = DEFAULT_LIST_WAIT_S) -> list[StreamDescription]:
    """Every stream that answers within ``wait_s`` seconds, EMG-like ones first."""
    if not wait_s > 0:
        raise ValueError(f"wait_s must be > 0 seconds, got {wait_s!r}")
    return _sort([describe(i) for i in pylsl.resolve_streams(wait_time=float(wait_s))])


def find_streams(*, name: str | None = None, type: str | None = None,  # noqa: A002
                 source_id: str | None = None, timeout_s: float = 5.0) -> list[StreamDescription]:
    """Streams matching all given properties, waiting up to ``timeout_s`` for a first one (and
    a moment more for others). With nothing given: the EMG-like streams. Empty if none."""
    if not timeout_s > 0:
        raise ValueError(f"timeout_s must be > 0 seconds, got {timeout_s!r}")
    emg_only = name is None and source_id is None and (
        type is None or type.strip().lower() in ("emg-like", "emglike", "any-emg"))
    if emg_only:
        found = [d for d in list_streams(min(timeout_s, DEFAULT_LIST_WAIT_S)) if emg_likeness(d)[0]]
        return found
    pred = predicate(name=name, type=type, source_id=source_id)
    infos = pylsl.resolve_bypred(pred, 1, float(timeout_s))
    if infos and source_id is None:  # a source_id names one sender; names and types may not
        more = pylsl.resolve_bypred(pred, len(infos) + 1, EXTRA_WAIT_S)
        if len(more) > len(infos):
            infos = more
    descs = [describe(i) for i in infos]
    if type is not None:
        descs = [d for d in descs if type_matches(d, type)]
    unique = {d.uid or id(d): d for d in descs}
    return _sort(list(unique.values()))


def selection_text(name: str | None, type: str | None, source_id: str | None) -> str:  # noqa: A002
    parts = [f"{k} {v!r}" for k, v in (("name", name), ("type", type), ("source_id", source_id))
             if v is not None]
    return " and ".join(parts) if parts else "an EMG-like type (EMG, ExG, EEG, a MAC address)"


def find_one(*, name: str | None = None, type: str | None = None,  # noqa: A002
             source_id: str | None = None, timeout_s: float = 5.0) -> StreamDescription:
    """The one stream matching; raises `StreamNotFound` or `AmbiguousStream` (with the matches)."""
    matches = find_streams(name=name, type=type, source_id=source_id, timeout_s=timeout_s)
    what = selection_text(name, type, source_id)
    if not matches:
        raise StreamNotFound(
            f"no LSL stream with {what} answered within {timeout_s:g} s; is the sensor software "
            "streaming (and on this network)? `twitchwatch streams` lists what is there")
    if len(matches) > 1:
        listing = "; ".join(d.short() for d in matches)
        raise AmbiguousStream(f"{len(matches)} LSL streams have {what}: {listing}. Choose one "
                              "with --source-id (or --stream NAME)", matches)
    return matches[0]
