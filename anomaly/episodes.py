"""Alert episodes: one alert per incident on a device x metric, derived from the detector's per-reading anomalies.

An episode opens at the first reading with an anomaly of at least `page_severity` (warning by default) and stays
open while such readings keep coming; it closes at the first reading that ends a hold-off of calm: at least
`hold_off_readings` readings without an alert and `hold_off_s` seconds since the last alert reading. Info
anomalies (a gap is reported when the device is back, too late to act on) are rows in the lake, never pages.

The open episode lives in the series state (plain data, stored by Spark between micro-batches), and its id is
derived from the series and the time of its first reading: a batch re-run from the same state after a restart
re-derives the same id, so an upsert by id never opens a second episode. Pure: no Spark, no AWS.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from anomaly.detector import Anomaly, SeriesState

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
_NAMESPACE = uuid.UUID("6f0e7a4c-2b1d-5c3e-9a8f-1d2c3b4a5e6f")  # fixed: ids must be the same on every run


@dataclass(frozen=True)
class EpisodeParams:
    hold_off_readings: int = 6  # calm readings in a row before an episode closes ...
    hold_off_s: float = 3600.0  # ... and calm seconds since its last alert reading
    page_severity: str = "warning"  # the least severity that opens or extends an episode

    def __post_init__(self) -> None:
        if self.page_severity not in SEVERITY_RANK:
            raise ValueError(
                f"EpisodeParams.page_severity = {self.page_severity!r}: use one of {', '.join(SEVERITY_RANK)}"
            )
        if self.hold_off_readings < 1 or self.hold_off_s < 0:
            raise ValueError(
                f"EpisodeParams hold-off {self.hold_off_readings} readings / {self.hold_off_s} s: "
                "needs at least 1 reading and 0 or more seconds"
            )


@dataclass(frozen=True)
class Episode:
    episode_id: str
    device_id: str
    metric: str
    production_line: str
    start_ts: float  # epoch seconds of the first alert reading
    end_ts: float | None  # epoch seconds of the reading that ended the hold-off; None while open
    last_anomaly_ts: float  # epoch seconds of the last alert reading
    peak_severity: str
    rules: tuple[str, ...]  # every reason of its alert readings (page severity or above), sorted
    first_value: float  # the reading's value (not the anomaly's: a gap's is its length)
    peak_value: float  # the value of the first reading at the peak severity
    readings: int  # alert readings in the episode
    status: str  # "open" or "closed"
    score: float = 0.0  # the highest anomaly score of its alert readings (0 for a record of an earlier release)

    def to_dict(self) -> dict[str, Any]:
        """Plain values only (rules as a list): what JSON round-trips unchanged. Every field is immutable, so a
        shallow copy is a copy (`asdict` recurses into each value)."""
        return {**self.__dict__, "rules": list(self.rules)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Episode:
        return cls(**{**data, "rules": tuple(data["rules"])})


def episode_id(device_id: str, metric: str, start_ts: float) -> str:
    """Deterministic: the same series and first alert time give the same id on every run (to the microsecond)."""
    return str(uuid.uuid5(_NAMESPACE, f"{device_id}\x1f{metric}\x1f{round(start_ts * 1e6)}"))


def track(
    state: SeriesState,
    *,
    device_id: str,
    metric: str,
    production_line: str,
    timestamps: np.ndarray,
    values: np.ndarray,
    anomalies: Sequence[Sequence[Anomaly]] | Mapping[int, Sequence[Anomaly]],
    params: EpisodeParams = EpisodeParams(),
) -> list[Episode]:
    """The episodes this batch opened, updated or closed (each once, as it stands after the batch), for readings
    in time order with their anomalies as `detect_series` returns them (a list per reading) or as
    `Detection.flagged` holds them ({reading index: anomalies}, the readings with none left out). Updates the open
    episode in `state`. Visits only the alert readings and, while an episode is open, finds the reading that ends its
    hold-off with numpy: the same result as `track_stepwise`, the definition (tests hold them equal)."""
    floor = SEVERITY_RANK[params.page_severity]
    t = np.asarray(timestamps, float)
    count = len(t)
    if isinstance(anomalies, Mapping):
        flagged = sorted(anomalies.items())
        if flagged and not 0 <= flagged[0][0] <= flagged[-1][0] < count:
            raise ValueError(f"track: anomalies of reading {flagged[-1][0]} for {count} readings")
    else:
        if len(anomalies) != count:
            raise ValueError(f"track: anomalies of {len(anomalies)} readings for {count} timestamps")
        flagged = [(i, found) for i, found in enumerate(anomalies) if found]
    if len(values) != count:
        raise ValueError(f"track: {len(values)} values for {count} timestamps")
    alerting = []
    for i, found in flagged:
        alerts = [a for a in found if SEVERITY_RANK[a.severity] >= floor]
        if alerts:
            alerting.append((i, alerts))
    if state.episode is None and not alerting:  # nothing opens, nothing is open: the state stays as it is
        return []
    current = Episode.from_dict(state.episode) if state.episode is not None else None
    calm = state.calm_readings
    touched: dict[str, Episode] = {}
    ts, xs = t.tolist(), np.asarray(values, float).tolist()
    done = 0  # readings before this one are accounted for
    items = [*alerting, (count, None)]
    pos = 0
    while pos < len(items):
        i, alerts = items[pos]
        if current is not None and i > done:  # readings done..i-1 are calm: one of them may end the hold-off
            first = done + max(0, params.hold_off_readings - calm - 1)  # the first with enough calm readings
            ended = np.flatnonzero(t[first:i] - current.last_anomaly_ts >= params.hold_off_s) if first < i else []
            if len(ended):
                end = ts[first + int(ended[0])]
                current = replace(current, end_ts=end, status="closed")
                touched[current.episode_id] = current
                current, calm = None, 0
            else:
                calm += i - done
        if alerts is None:
            break
        # A run of alert readings in a row: no calm reading between them can close the episode.
        last = pos + 1
        while last < len(items) - 1 and items[last][0] == items[last - 1][0] + 1:
            last += 1
        current = _alert(current, device_id, metric, production_line, ts[i], xs[i], alerts)
        if last > pos + 1:
            current = _extend(current, [(ts[k], xs[k], found) for k, found in items[pos + 1 : last]])
        calm, done = 0, items[last - 1][0] + 1
        touched[current.episode_id] = current
        pos = last
    state.episode = current.to_dict() if current is not None else None
    state.calm_readings = calm
    return list(touched.values())


def _extend(current: Episode, run: list[tuple[float, float, list[Anomaly]]]) -> Episode:
    """`_alert` for each alert reading of a run in turn, as one update: the first reading at a new peak severity
    gives the peak value, the rules and score gather, the count grows by the run's length."""
    peak, peak_value = current.peak_severity, current.peak_value
    rules, score, newest = set(current.rules), current.score, current.last_anomaly_ts
    for ts, x, alerts in run:
        for a in alerts:
            if SEVERITY_RANK[a.severity] > SEVERITY_RANK[peak]:
                peak, peak_value = a.severity, x
            rules.add(a.rule)
            score = max(score, a.score)
        newest = max(newest, ts)
    return replace(
        current,
        last_anomaly_ts=newest,
        peak_severity=peak,
        peak_value=peak_value,
        rules=tuple(sorted(rules)),
        readings=current.readings + len(run),
        score=score,
    )


def _alert(
    current: Episode | None,
    device_id: str,
    metric: str,
    production_line: str,
    ts: float,
    x: float,
    alerts: list[Anomaly],
) -> Episode:
    """The episode after an alert reading: opened by it, or extended."""
    severity = max((a.severity for a in alerts), key=SEVERITY_RANK.__getitem__)
    rules = {a.rule for a in alerts}
    score = max(a.score for a in alerts)
    if current is None:
        return Episode(
            episode_id(device_id, metric, ts),
            device_id,
            metric,
            production_line,
            start_ts=ts,
            end_ts=None,
            last_anomaly_ts=ts,
            peak_severity=severity,
            rules=tuple(sorted(rules)),
            first_value=x,
            peak_value=x,
            readings=1,
            status="open",
            score=score,
        )
    higher = SEVERITY_RANK[severity] > SEVERITY_RANK[current.peak_severity]
    return replace(
        current,
        last_anomaly_ts=max(current.last_anomaly_ts, ts),
        peak_severity=severity if higher else current.peak_severity,
        peak_value=x if higher else current.peak_value,
        rules=tuple(sorted(rules.union(current.rules))),
        readings=current.readings + 1,
        score=max(current.score, score),
    )


def track_stepwise(
    state: SeriesState,
    *,
    device_id: str,
    metric: str,
    production_line: str,
    timestamps: np.ndarray,
    values: np.ndarray,
    anomalies: Sequence[Sequence[Anomaly]],
    params: EpisodeParams = EpisodeParams(),
) -> list[Episode]:
    """The definition of `track`, reading by reading (the reference the tests hold `track` equal to)."""
    floor = SEVERITY_RANK[params.page_severity]
    current = Episode.from_dict(state.episode) if state.episode is not None else None
    calm = state.calm_readings
    touched: dict[str, Episode] = {}
    for ts, x, found in zip(
        np.asarray(timestamps, float).tolist(), np.asarray(values, float).tolist(), anomalies, strict=True
    ):
        alerts = [a for a in found if SEVERITY_RANK[a.severity] >= floor]
        if alerts:
            current = _alert(current, device_id, metric, production_line, ts, x, alerts)
            calm = 0
            touched[current.episode_id] = current
        elif current is not None:
            calm += 1
            if calm >= params.hold_off_readings and ts - current.last_anomaly_ts >= params.hold_off_s:
                current = replace(current, end_ts=ts, status="closed")
                touched[current.episode_id] = current
                current, calm = None, 0
    state.episode = current.to_dict() if current is not None else None
    state.calm_readings = calm
    return list(touched.values())
