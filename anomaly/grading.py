"""Grading the detector against labelled real data: NAB's anomaly windows, scored as alerts, tuned leave-one-out.

NAB (Numenta Anomaly Benchmark, MIT) labels each series with windows in which a detector should raise at least
one alarm; an alarm outside every window is a false alarm. Here an alarm is an alert reading (an anomaly of
warning severity or above: what opens an episode) and a false episode is one that starts outside every window.
Info anomalies (gaps, reported when a device is back) never page; they are counted apart.

Tuning is leave-one-series-out: for each series, the candidate settings are ranked on all the other series and
the best is graded on the one left out, so every figure says how the detector does on a series it was not tuned
on. The rank is `COST_PER_MISSED_WINDOW` x missed windows + false episodes (the first candidate wins a tie).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from anomaly.detector import Params
from anomaly.episodes import SEVERITY_RANK, EpisodeParams
from anomaly.scoring import ExportError, read_export, score_series

TARGET_EPISODES_PER_DAY = 0.1  # false-alarm episodes per day, over all series
TARGET_ROWS_PER_EPISODE = 2.0  # false-alarm rows per false-alarm episode
COST_PER_MISSED_WINDOW = 10.0  # a missed window weighs as much as ten false pages


@dataclass(frozen=True)
class LabelledSeries:
    name: str  # its path under the NAB folder, e.g. realKnownCause/nyc_taxi.csv
    timestamps: np.ndarray
    values: np.ndarray
    windows: tuple[tuple[float, float], ...]  # epoch seconds, both ends inside


@dataclass(frozen=True)
class Grade:
    name: str
    windows: int
    found: int
    false_rows: int  # alert readings outside every window
    false_episodes: int  # episodes that start outside every window
    info_rows: int  # readings outside every window with info anomalies only (gaps)
    days: float
    false_rules: dict[str, int] = field(default_factory=dict)  # rule -> false-alarm rows it is part of
    finders: tuple[tuple[str, ...], ...] = ()  # per window, the rules that fired inside it

    @property
    def episodes_per_day(self) -> float:
        return self.false_episodes / self.days if self.days else 0.0


@dataclass(frozen=True)
class Candidate:
    label: str
    params: Params
    episode_params: EpisodeParams = field(default_factory=EpisodeParams)


@dataclass(frozen=True)
class Fold:
    held_out: str
    chosen: Candidate
    grade: Grade  # of the held-out series, with the settings chosen on the others


def load_nab(root: Path) -> list[LabelledSeries]:
    """Every series named in `combined_windows.json` under `root`, with its windows."""
    windows_file = root / "combined_windows.json"
    try:
        labelled = json.loads(windows_file.read_text())
    except FileNotFoundError:
        raise ExportError(f"{windows_file}: no such file (expected NAB's combined_windows.json)") from None
    out = []
    for name, windows in sorted(labelled.items()):
        frame = read_export(root / name).sort_values("ts", kind="stable")
        spans = tuple((_epoch(start), _epoch(end)) for start, end in windows)
        out.append(LabelledSeries(name, frame["ts"].to_numpy(float), frame["value"].to_numpy(float), spans))
    return out


def _epoch(text: str) -> float:
    import pandas as pd

    return pd.Timestamp(text, tz="UTC").timestamp()


def grade(series: LabelledSeries, candidate: Candidate) -> Grade:
    """The series through the scorer (an empty state, no catalog entry: it learns everything), graded."""
    scored = score_series(
        "nab",
        "value",
        "",
        series.timestamps,
        series.values,
        [],
        candidate.params,
        candidate.episode_params,
    )
    t = series.timestamps
    inside = np.zeros(len(t), dtype=bool)
    for start, end in series.windows:
        inside |= (t >= start) & (t <= end)
    page = SEVERITY_RANK[candidate.episode_params.page_severity]
    alert = np.array([any(SEVERITY_RANK[a.severity] >= page for a in found) for found in scored.anomalies], bool)
    info = np.array([bool(found) for found in scored.anomalies], dtype=bool) & ~alert
    rules: dict[str, int] = {}
    for i in np.flatnonzero(alert & ~inside).tolist():
        for a in scored.anomalies[i]:
            rules[a.rule] = rules.get(a.rule, 0) + 1
    finders = tuple(
        tuple(
            sorted(
                {
                    a.rule
                    for i in np.flatnonzero(alert & (t >= start) & (t <= end)).tolist()
                    for a in scored.anomalies[i]
                    if SEVERITY_RANK[a.severity] >= page
                }
            )
        )
        for start, end in series.windows
    )
    false_episodes = sum(
        1 for e in scored.episodes if not any(start <= e.start_ts <= end for start, end in series.windows)
    )
    return Grade(
        series.name,
        len(series.windows),
        sum(1 for f in finders if f),
        int((alert & ~inside).sum()),
        false_episodes,
        int((info & ~inside).sum()),
        float(t[-1] - t[0]) / 86_400 if len(t) else 0.0,
        rules,
        finders,
    )


def combine(grades: Sequence[Grade], name: str = "total") -> Grade:
    rules: dict[str, int] = {}
    for g in grades:
        for rule, count in g.false_rules.items():
            rules[rule] = rules.get(rule, 0) + count
    return Grade(
        name,
        sum(g.windows for g in grades),
        sum(g.found for g in grades),
        sum(g.false_rows for g in grades),
        sum(g.false_episodes for g in grades),
        sum(g.info_rows for g in grades),
        sum(g.days for g in grades),
        rules,
        tuple(f for g in grades for f in g.finders),
    )


def cost(grades: Sequence[Grade]) -> float:
    return sum(COST_PER_MISSED_WINDOW * (g.windows - g.found) + g.false_episodes for g in grades)


def tuning_grid() -> list[Candidate]:
    """The candidates the NAB tuning chooses from: around the shipped defaults (listed first), on the settings
    that NAB moves. The busy-series count (1 instead of 2) and the drift threshold (16 instead of 12) are not
    candidates: they lose half the simulator's spikes after an earlier incident and most of its drifts
    (measured), which tests/job/test_simulator.py states as requirements for the plant's sensors."""
    return grid(
        Params(), z_warning=[5.0, 6.0], season_z=[5.0, 4.0, 6.0], novelty_margin=[2.0, 1.5], season_visits=[3, 2]
    )


def grid(base: Params, **choices: Sequence) -> list[Candidate]:
    """Every combination of the given Params values over `base` (list the base's own value first, so that the
    base comes first and wins ties)."""
    names = list(choices)
    out = []
    for combo in itertools.product(*(choices[n] for n in names)):
        settings = dict(zip(names, combo, strict=True))
        label = ", ".join(f"{n}={v}" for n, v in settings.items()) or "defaults"
        out.append(Candidate(label, replace(base, **settings)))
    return out


@dataclass(frozen=True)
class Tuning:
    folds: list[Fold]  # each series graded with the settings chosen on the others
    chosen_on_all: Candidate  # the settings ranked best on every series: what the shipped defaults should be


def leave_one_out(series: Sequence[LabelledSeries], candidates: Sequence[Candidate]) -> Tuning:
    """For each series, the candidate ranked best on the other series, graded on it (each candidate is run once
    on each series)."""
    table = [[grade(s, c) for s in series] for c in candidates]
    folds = []
    for i, held in enumerate(series):
        costs = [cost([g for j, g in enumerate(row) if j != i]) for row in table]
        best = int(np.argmin(costs))
        folds.append(Fold(held.name, candidates[best], table[best][i]))
    overall = int(np.argmin([cost(row) for row in table]))
    return Tuning(folds, candidates[overall])
