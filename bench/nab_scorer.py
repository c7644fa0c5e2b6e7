"""The Numenta Anomaly Benchmark's scoring method, implemented here from NAB's documentation and code (read, not
copied): windows, the scaled sigmoid, the probationary period, the application profiles, the threshold that each
profile optimises over the whole corpus, and the normalisation between the null and the perfect detector.

What NAB does (numenta/NAB: README "Scoreboard"; nab/sweeper.py `Sweeper.calcSweepScore`,
`Sweeper.calcScoreByThreshold`; nab/util.py `getProbationPeriod`, `convertAnomalyScoresToDetections`;
config/profiles.json; Lavin & Ahmad 2015):
- A detection is a reading whose anomaly score is >= the threshold.
- Each labelled window counts once: its earliest detection earns A_TP x sigma(position) / sigma(-1), where
  position = -(right - i + 1) / width runs from -1 at the window's first reading towards 0 at its end and
  sigma(y) = 2 / (1 + e^(5y)) - 1 (the scaled sigmoid); so a detection at the first reading earns exactly A_TP.
  A window without a detection costs A_FN.
- A detection outside every window costs A_FP x sigma(|prev_right - i| / (prev_width - 1)) after a window (a
  detection just after a window costs little, one 3 widths or more after costs the full A_FP), and A_FP before any
  window. Further detections inside a window are neither rewarded nor penalised.
- The first min(floor(0.15 x rows), 750) readings of each file are the probationary period: ignored.
- Profiles (A_TP, A_FP, A_FN): standard (1, 0.11, 1), reward_low_FP (1, 0.22, 1), reward_low_FN (1, 0.11, 2).
- Each profile picks the one threshold that maximises its total raw score over the corpus (the null detector's
  total, every window missed, if nothing beats it), then normalises: 100 x (raw - null) / (perfect - null), with
  null = -A_FN x windows and perfect = A_TP x windows.

Validated (tests/anomaly/test_nab_scorer.py): null = 0 and perfect = 100 on every profile; NAB's published per-file
scores of ARTime on realTraffic/speed_7578 reproduced to 1e-12 from its published anomaly scores.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PROBATION_SHARE = 0.15  # NAB's probationaryPercent
PROBATION_CAP = 0.15 * 5000  # NAB caps the probationary period at 750 readings (nab/util.py getProbationPeriod)


@dataclass(frozen=True)
class Profile:
    name: str
    tp: float
    fp: float
    fn: float


PROFILES = (
    Profile("standard", 1.0, 0.11, 1.0),
    Profile("reward_low_FP", 1.0, 0.22, 1.0),
    Profile("reward_low_FN", 1.0, 0.11, 2.0),
)


def scaled_sigmoid(position: np.ndarray) -> np.ndarray:
    """NAB's sigma: about 1 at -1 (the start of a window), 0 at its end, about -1 one width later, -1 from 3 on."""
    position = np.asarray(position, dtype=float)
    with np.errstate(over="ignore"):
        value = 2.0 / (1.0 + np.exp(5.0 * position)) - 1.0
    return np.where(position >= 3.0, -1.0, value)


MAX_TP = float(scaled_sigmoid(np.array(-1.0)))


def probation(rows: int) -> int:
    """Readings at the start of a file that are never scored."""
    return int(min(math.floor(PROBATION_SHARE * rows), PROBATION_CAP))


@dataclass(frozen=True)
class LabelledFile:
    """One NAB data file: its readings' times (epoch seconds, in file order) and windows as row index ranges."""

    name: str  # its path under the corpus, e.g. realTraffic/speed_7578.csv
    timestamps: np.ndarray
    values: np.ndarray
    windows: tuple[tuple[int, int], ...]  # (first row, last row), both inside

    @property
    def category(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def days(self) -> float:
        return float(self.timestamps[-1] - self.timestamps[0]) / 86_400 if len(self.timestamps) else 0.0


@dataclass(frozen=True)
class Sweep:
    """Per scorable reading (after the probationary period): the window it lies in (-1: none) and what a
    detection there is worth before the profile's weight (TP: sigma / sigma(-1) inside a window; FP: sigma of its
    distance past the previous window, or -1 before any)."""

    file: LabelledFile
    first: int  # the first scorable row
    window: np.ndarray  # per scorable row
    worth: np.ndarray  # per scorable row
    windows: int  # windows with at least one scorable row


def sweep(file: LabelledFile) -> Sweep:
    count = len(file.timestamps)
    first = probation(count)
    window = np.full(count, -1, dtype=np.int64)
    worth = np.full(count, -1.0)  # before any window: the full false-positive cost
    index = np.arange(count)
    for w, (left, right) in enumerate(file.windows):
        width = right - left + 1
        inside = slice(left, right + 1)
        window[inside] = w
        worth[inside] = scaled_sigmoid(-(right - index[inside] + 1) / width) / MAX_TP
        following = file.windows[w + 1][0] if w + 1 < len(file.windows) else count
        after = slice(right + 1, following)
        with np.errstate(divide="ignore"):
            position = np.abs(right - index[after]) / (width - 1) if width > 1 else np.full(following - right - 1, 3.0)
        worth[after] = scaled_sigmoid(position)
    scorable = window[first:]
    return Sweep(file, first, scorable, worth[first:], len(set(scorable[scorable >= 0].tolist())))


@dataclass(frozen=True)
class FileScore:
    name: str
    raw: float
    tp: int  # detections inside windows (NAB's row counts)
    fp: int  # detections outside
    windows: int
    found: int  # windows with a detection

    @property
    def missed(self) -> int:
        return self.windows - self.found


def score_detections(swept: Sweep, detections: np.ndarray, profile: Profile) -> FileScore:
    """One file's raw score for a boolean detection per reading (file order; probationary ones are ignored)."""
    detected = np.asarray(detections, dtype=bool)[swept.first :]
    inside = swept.window >= 0
    raw = profile.fp * float(swept.worth[detected & ~inside].sum())
    found = 0
    for w in sorted(set(swept.window[inside].tolist())):
        hits = np.flatnonzero(detected & (swept.window == w))
        if len(hits):
            found += 1
            raw += profile.tp * float(swept.worth[hits[0]])  # the earliest is worth the most
        else:
            raw -= profile.fn
    return FileScore(
        swept.file.name, raw, int((detected & inside).sum()), int((detected & ~inside).sum()), swept.windows, found
    )


def null_score(windows: int, profile: Profile) -> float:
    return -profile.fn * windows


def perfect_score(windows: int, profile: Profile) -> float:
    return profile.tp * windows


def normalised(raw: float, windows: int, profile: Profile) -> float:
    """100 x (raw - null) / (perfect - null); NaN where there is no window (nothing to normalise against)."""
    null, perfect = null_score(windows, profile), perfect_score(windows, profile)
    return 100.0 * (raw - null) / (perfect - null) if perfect != null else math.nan


@dataclass(frozen=True)
class Threshold:
    threshold: float  # detections are scores >= this; +inf: the null detector (nothing beats it)
    raw: float


def optimise_threshold(
    swept: Sequence[Sweep], scores: Sequence[np.ndarray], profile: Profile
) -> tuple[Threshold, list[Threshold]]:
    """NAB's threshold optimisation: the corpus' raw score at every distinct anomaly score used as the threshold
    (from the highest down), and the best (the highest threshold among equal totals, as NAB's stable sort keeps).
    Windows change the total only when a lower threshold brings an earlier detection into them."""
    keys, deltas = [], []
    windows = 0
    for s, file_scores in zip(swept, scores, strict=True):
        anomaly = np.asarray(file_scores, dtype=float)[s.first :]
        windows += s.windows
        outside = s.window < 0
        keys.append(anomaly[outside])
        deltas.append(profile.fp * s.worth[outside])
        for w in sorted(set(s.window[~outside].tolist())):
            rows = np.flatnonzero(s.window == w)
            order = rows[np.argsort(-anomaly[rows], kind="stable")]
            best = np.maximum.accumulate(profile.tp * s.worth[order])
            keys.append(anomaly[order])
            deltas.append(np.diff(np.concatenate([[-profile.fn], best])))
    key = np.concatenate(keys) if keys else np.empty(0)
    delta = np.concatenate(deltas) if deltas else np.empty(0)
    order = np.argsort(-key, kind="stable")
    key, total = key[order], null_score(windows, profile) + np.cumsum(delta[order])
    last_of_group = np.flatnonzero(np.concatenate([key[1:] != key[:-1], [True]])) if len(key) else np.empty(0, int)
    table = [Threshold(math.inf, null_score(windows, profile))]
    table += [Threshold(float(key[i]), float(total[i])) for i in last_of_group]
    best = max(table, key=lambda t: t.raw)  # max keeps the first of equals: the highest threshold
    return best, table


@dataclass(frozen=True)
class CorpusScore:
    profile: Profile
    threshold: float
    files: list[FileScore]

    @property
    def windows(self) -> int:
        return sum(f.windows for f in self.files)

    @property
    def raw(self) -> float:
        return sum(f.raw for f in self.files)

    @property
    def score(self) -> float:
        return normalised(self.raw, self.windows, self.profile)

    def subset(self, names: set[str]) -> CorpusScore:
        return CorpusScore(self.profile, self.threshold, [f for f in self.files if f.name in names])


def score_corpus(
    swept: Sequence[Sweep], scores: Sequence[np.ndarray], profile: Profile, threshold: float | None = None
) -> CorpusScore:
    """The corpus scored as NAB's runner does: at the profile's optimal threshold (or the one given)."""
    if threshold is None:
        threshold = optimise_threshold(swept, scores, profile)[0].threshold
    files = [
        score_detections(s, np.asarray(a, dtype=float) >= threshold, profile)
        for s, a in zip(swept, scores, strict=True)
    ]
    return CorpusScore(profile, threshold, files)


@dataclass(frozen=True)
class Corpus:
    root: Path
    files: list[LabelledFile] = field(default_factory=list)

    @property
    def categories(self) -> list[str]:
        return sorted({f.category for f in self.files})


def epochs(texts: Sequence[str]) -> np.ndarray:
    import pandas as pd

    return pd.to_datetime(pd.Series(list(texts)), utc=True).astype("int64").to_numpy() / 1e9


def load_corpus(root: Path, names: Sequence[str] | None = None) -> Corpus:
    """The data files named in `root/combined_windows.json` (or the given subset), with their windows as rows."""
    import pandas as pd

    windows_file = root / "combined_windows.json"
    if not windows_file.is_file():
        raise FileNotFoundError(f"{windows_file}: no such file (NAB's combined_windows.json is expected there)")
    labelled: Mapping[str, list[list[str]]] = json.loads(windows_file.read_text())
    files = []
    for name in sorted(names if names is not None else labelled):
        frame = pd.read_csv(root / name)
        t = epochs(frame["timestamp"].astype(str).tolist())
        rows = []
        for start, end in labelled[name]:
            first, last = epochs([start, end])
            inside = np.flatnonzero((t >= first) & (t <= last))
            if len(inside):
                rows.append((int(inside[0]), int(inside[-1])))
        files.append(LabelledFile(name, t, frame["value"].to_numpy(dtype=float), tuple(rows)))
    return Corpus(root, files)


def detections_at(file: LabelledFile, times: Sequence[float]) -> np.ndarray:
    """1.0 at the readings whose time is one of `times` (epoch seconds), 0.0 elsewhere: a list of detections
    (such as each alert episode's first reading) as NAB's per-reading anomaly score."""
    out = np.zeros(len(file.timestamps))
    wanted = np.asarray(times, dtype=float)
    where = np.searchsorted(file.timestamps, wanted)
    inside = where < len(out)
    where, wanted = where[inside], wanted[inside]
    missing = wanted[np.abs(file.timestamps[where] - wanted) > 1e-3]
    if len(missing):
        raise ValueError(f"{file.name}: no reading at {missing[:3].tolist()} (detections must name readings)")
    out[where] = 1.0
    return out
