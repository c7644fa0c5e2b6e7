"""The NAB tables: the detector on the 40 labelled NAB files, scored by NAB's own method (bench/nab_scorer.py).

    python bench/nab.py [--data bench/data/nab] [--loco] [--continuous] [--set name=value ...] [--no-record]

Headline: exactly what `python -m anomaly score --episodes` writes, as NAB detections (1.0 at each alert episode's
first reading, 0 elsewhere), scored on the three application profiles, per category and in all, with the shipped
defaults, and the operator's figure from the same episodes: false alert episodes per series-day (starting after 12
hours outside every window). `--tune` repeats the tuning that chose those defaults on all files; `--loco` adds the
figure that predicts unseen data: for each category, that whole tuning (`Tuner.tune`, from the values before tuning,
on the mean of the three profiles' normalised scores) runs on the other categories and the category is scored with
what it chose. `--continuous` adds a second table, labelled as such: every reading's score, with NAB's optimiser
choosing a threshold per profile (how NAB's scoreboard scores its detectors). `--set` overrides a Params or
EpisodeParams field (e.g. --set threshold=0.4). Tables are appended to bench/RESULTS.md. With BENCH_CODE=DIR in the
environment, DIR's anomaly package is scored (the headline only: how "before" is measured).
"""

from __future__ import annotations

import argparse
import ast
import itertools
import json
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if "BENCH_CODE" in os.environ:  # another checkout's anomaly package (the "before" table: BENCH_CODE=/tmp/before)
    sys.path.insert(0, os.environ["BENCH_CODE"])

from anomaly.detector import Anomaly, Params, SeriesState
from anomaly.episodes import EpisodeParams, track
from anomaly.scoring import score_series
from bench.nab_scorer import (
    PROFILES,
    Corpus,
    CorpusScore,
    LabelledFile,
    detections_at,
    epochs,
    load_corpus,
    score_corpus,
)
from bench.nab_scorer import sweep as nab_sweep
from bench.results import record

DATA = Path(__file__).resolve().parent / "data" / "nab"
TARGETS = {"standard": 75.0, "reward_low_FP": 65.0, "reward_low_FN": 80.0}


@dataclass(frozen=True)
class Setting:
    label: str
    params: Params
    episodes: EpisodeParams


def parse_settings(pairs: Sequence[str]) -> Setting:
    """`name=value` overrides of Params / EpisodeParams fields (the shipped defaults where none is given)."""
    params, episodes = {}, {}
    names = {f.name for f in fields(Params)}
    episode_names = {f.name for f in fields(EpisodeParams)}
    for pair in pairs:
        name, _, text = pair.partition("=")
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text
        if name in names:
            params[name] = value
        elif name in episode_names:
            episodes[name] = value
        else:
            raise SystemExit(f"--set {pair}: no Params or EpisodeParams field {name!r}")
    label = ", ".join(pairs) or "shipped defaults"
    return Setting(label, Params(**params), EpisodeParams(**episodes))


def _score_file(args: tuple[LabelledFile, Params, EpisodeParams]) -> tuple[np.ndarray, list[float]]:
    file, params, episode_params = args
    scored = score_series("nab", "value", "", file.timestamps, file.values, [], params, episode_params)
    scores = getattr(scored, "scores", np.zeros(len(file.timestamps)))  # a checkout before scores: episodes only
    return scores, [e.start_ts for e in scored.episodes]


def score_corpus_files(
    corpus: Corpus, setting: Setting, pool: ProcessPoolExecutor | None = None
) -> list[tuple[np.ndarray, list[float]]]:
    """Per file: every reading's score and the start of each alert episode, as `score --episodes` finds them
    (anomaly.scoring.score_series, the function the CLI runs)."""
    args = [(f, setting.params, setting.episodes) for f in corpus.files]
    return list(pool.map(_score_file, args)) if pool else [_score_file(a) for a in args]


def episode_starts(
    file: LabelledFile, scores: np.ndarray, threshold: float, episode_params: EpisodeParams
) -> list[float]:
    """Alert episodes at another threshold from the same scores (anomaly.episodes.track on the readings that
    reach it), without running the detector again: how the threshold is chosen leave-one-category-out."""
    alerts = {
        int(i): [Anomaly("alert", 0.0, None, None, "warning", "", float(scores[i]))]
        for i in np.flatnonzero(scores >= threshold)
    }
    episodes = track(
        SeriesState(),
        device_id="nab",
        metric="value",
        production_line="",
        timestamps=file.timestamps,
        values=file.values,
        anomalies=alerts,
        params=episode_params,
    )
    return [e.start_ts for e in episodes]


def official(corpus: Corpus, starts: Sequence[Sequence[float]]) -> dict[str, CorpusScore]:
    """NAB's scores of episode starts as detections (threshold 1.0: NAB's optimiser picks it or the null)."""
    swept = [nab_sweep(f) for f in corpus.files]
    detections = [detections_at(f, s) for f, s in zip(corpus.files, starts, strict=True)]
    return {p.name: score_corpus(swept, detections, p) for p in PROFILES}


def table(corpus: Corpus, scored: dict[str, CorpusScore], title_column: str = "category") -> str:
    """Rows per category and the total: each profile's normalised score, windows found, false positives."""
    lines = [
        f"| {title_column} | files | windows | standard | reward_low_FP | reward_low_FN | found | false pos. |",
        "|---|---|---|---|---|---|---|---|",
    ]
    groups = [(c, {f.name for f in corpus.files if f.category == c}) for c in corpus.categories]
    groups.append(("**all 40 files**", {f.name for f in corpus.files}))
    for name, members in groups:
        subsets = {p: s.subset(members) for p, s in scored.items()}
        std = subsets["standard"]
        windows = std.windows
        cells = [f"{subsets[p.name].score:.1f}" if windows else f"raw {subsets[p.name].raw:.2f}" for p in PROFILES]
        found = sum(f.found for f in std.files)
        fps = sum(f.fp for f in std.files)
        lines.append(f"| {name} | {len(members)} | {windows} | {' | '.join(cells)} | {found}/{windows} | {fps} |")
    return "\n".join(lines)


# How the shipped defaults were chosen (`--tune` repeats it on every file; `--loco` on all but one category): from
# the model's values before tuning (START), coordinate descent over SEARCH, two rounds, a value kept when it raises
# the mean of the three profiles' normalised scores by more than 0.1; each detector setting is scored at every
# alert threshold and episode hold-off of ALERTS (they need no second detector run), the best pair kept.
START = {
    "residual_clip": 6.0,
    "noise_ratio": 2.0,
    "noise_clip": 4.0,
    "noise_mean": 0.3,
    "memory_days": 10.0,
    "deductible": 2.0,
}
SEARCH = {
    "noise_mean": [0.3, 0.1],
    "noise_clip": [4.0, 3.0],
    "memory_days": [10.0, 20.0, 5.0],
    "deductible": [2.0, 3.0, 1.0],
    "shift_k": [0.5, 0.75, 1.0],
    "alpha": [0.05, 0.1, 0.03],
    "season_visits": [3, 2],
    "warmup": [30, 100],
    "clip": [4.0, 3.0, 5.0],
    "residual_clip": [6.0, 4.0],
    "noise_ratio": [2.0, 3.0],
}
# Thresholds: rarities of 1.8, 2.4, 3.0 and 3.6 decades of days at the shipped 3.6 decades per unit of score.
ALERTS = list(itertools.product([0.5, 0.667, 0.833, 1.0], [1800.0, 3600.0, 7200.0]))


class Tuner:
    """Scores settings on a subset of the corpus, each detector setting run once on every file (cached)."""

    def __init__(self, corpus: Corpus, pool) -> None:
        self.corpus, self.pool = corpus, pool
        self.runs: dict[Params, list[np.ndarray]] = {}

    def scores(self, params: Params) -> list[np.ndarray]:
        if params not in self.runs:
            results = score_corpus_files(self.corpus, Setting("", params, EpisodeParams()), self.pool)
            self.runs[params] = [scores for scores, _ in results]
        return self.runs[params]

    def starts(self, params: Params, threshold: float, hold_off_s: float, names: set[str]) -> list[list[float]]:
        episodes = EpisodeParams(hold_off_s=hold_off_s)
        return [
            episode_starts(f, scores, threshold, episodes) if f.name in names else []
            for f, scores in zip(self.corpus.files, self.scores(params), strict=True)
        ]

    def best(self, params: Params, names: set[str]) -> tuple[float, float, float]:
        """(mean normalised score over the three profiles, threshold, hold-off) of the best alert pair."""
        found = []
        for threshold, hold in ALERTS:
            scored = official(self.corpus, self.starts(params, threshold, hold, names))
            found.append((float(np.mean([scored[p.name].subset(names).score for p in PROFILES])), threshold, hold))
        return max(found)

    def tune(self, names: set[str]) -> Setting:
        current = replace(Params(), **START)
        score, threshold, hold = self.best(current, names)
        for _ in range(2):
            for name, values in SEARCH.items():
                for value in values:
                    if getattr(current, name) == value:
                        continue
                    trial = replace(current, **{name: value})
                    result = self.best(trial, names)
                    if result[0] > score + 0.1:
                        current, (score, threshold, hold) = trial, result
        params = replace(current, threshold=threshold, critical=max(threshold, current.critical))
        changed = [
            f"{f.name}={getattr(params, f.name)}"
            for f in fields(Params)
            if getattr(params, f.name) != getattr(Params(), f.name)
        ]
        label = ", ".join([*changed, f"hold_off_s={hold:.0f}"]) + f" (in-sample mean {score:.1f})"
        return Setting(label, params, EpisodeParams(hold_off_s=hold))


def leave_one_category_out(corpus: Corpus, pool) -> tuple[dict, list[tuple[str, str]]]:
    """For each category: the whole tuning (`Tuner.tune`) on the other categories, applied to it."""
    tuner = Tuner(corpus, pool)
    chosen: list[list[float]] = [[] for _ in corpus.files]
    choices = []
    for category in corpus.categories:
        others = {f.name for f in corpus.files if f.category != category}
        setting = tuner.tune(others)
        choices.append((category, setting.label))
        own = {f.name for f in corpus.files if f.category == category}
        starts = tuner.starts(setting.params, setting.params.threshold, setting.episodes.hold_off_s, own)
        for i, f in enumerate(corpus.files):
            if f.name in own:
                chosen[i] = starts[i]
    return official(corpus, chosen), choices


def continuous(corpus: Corpus, scores: Sequence[np.ndarray]) -> dict[str, CorpusScore]:
    """Every reading's score as NAB's anomaly score, each profile at the threshold NAB's optimiser picks."""
    swept = [nab_sweep(f) for f in corpus.files]
    return {p.name: score_corpus(swept, list(scores), p) for p in PROFILES}


WARMUP_S = 12 * 3600.0  # as anomaly.grading grades a new series: after half a day


def false_per_day(corpus: Corpus, starts: Sequence[Sequence[float]], data: Path) -> str:
    """The operator's figure per category: alert episodes that start after the first 12 hours outside every NAB
    window (the labelled windows of combined_windows.json, both ends inside), per series-day after those hours."""
    labelled = json.loads((data / "combined_windows.json").read_text())
    counts: dict[str, list[float]] = {}
    for file, found in zip(corpus.files, starts, strict=True):
        windows = [tuple(epochs(w)) for w in labelled[file.name]]
        after = float(file.timestamps[0]) + WARMUP_S
        false = sum(1 for t in found if t >= after and not any(a <= t <= b for a, b in windows))
        row = counts.setdefault(file.category, [0, 0.0])
        row[0] += false
        row[1] += (float(file.timestamps[-1]) - after) / 86_400
    lines = ["| category | false episodes | series-days | per series-day |", "|---|---|---|---|"]
    for category, (false, days) in [*counts.items(), ("**all 40 files**", np.sum(list(counts.values()), axis=0))]:
        lines.append(f"| {category} | {int(false)} | {days:.1f} | {false / days:.3f} |")
    return "\n".join(lines)


def alert_settings(setting: Setting) -> str:
    """': threshold T, hold-off H s', or nothing for a checkout whose detector has no score threshold (before)."""
    if not hasattr(setting.params, "threshold"):
        return ""
    return f": threshold {setting.params.threshold}, hold-off {setting.episodes.hold_off_s:.0f} s"


def verdict(scored: dict[str, CorpusScore]) -> list[str]:
    return [
        f"{name} {scored[name].score:.1f} < {target}" for name, target in TARGETS.items() if scored[name].score < target
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/nab.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="NAB folder with combined_windows.json")
    parser.add_argument("--loco", action="store_true", help="also the leave-one-category-out table")
    parser.add_argument("--tune", action="store_true", help="also repeat the tuning of the defaults on all files")
    parser.add_argument("--continuous", action="store_true", help="also every reading's score, NAB-optimised")
    parser.add_argument("--set", action="append", default=[], help="override a Params/EpisodeParams field")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-record", action="store_true", help="print only, do not append to bench/RESULTS.md")
    ns = parser.parse_args(argv)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        corpus = load_corpus(ns.data)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    setting = parse_settings(ns.set)
    sections = []
    with ProcessPoolExecutor(ns.jobs) as pool:
        results = score_corpus_files(corpus, setting, pool)
        headline = official(corpus, [starts for _, starts in results])
        code = os.environ.get("BENCH_CODE", "this checkout")
        sections.append(
            (
                f"NAB, `score --episodes` as detections ({code}, {setting.label}{alert_settings(setting)})",
                table(corpus, headline),
            )
        )
        sections.append(
            (
                f"NAB, false alert episodes per series-day after 12 h ({code}, {setting.label})",
                false_per_day(corpus, [starts for _, starts in results], ns.data),
            )
        )
        if ns.tune:
            tuned = Tuner(corpus, pool).tune({f.name for f in corpus.files})
            sections.append(("NAB, the tuning on all 40 files (how the shipped defaults were chosen)", tuned.label))
        if ns.loco:
            loco, choices = leave_one_category_out(corpus, pool)
            notes = "\n".join(f"- {category}: tuned without it to {label}" for category, label in choices)
            sections.append(
                (
                    "NAB, leave-one-category-out (settings chosen without the category they score)",
                    table(corpus, loco) + "\n\n" + notes,
                )
            )
        if ns.continuous:
            sections.append(
                (
                    "NAB, every reading's score with NAB's per-profile threshold (continuous: not the shipped alerts)",
                    table(corpus, continuous(corpus, [scores for scores, _ in results])),
                )
            )
    elapsed = f"{time.perf_counter() - started:.0f} s wall, {time.process_time() - cpu:.0f} s CPU in this process"
    for title, body in sections:
        print(f"## {title}\n\n{body}\n")
        if not ns.no_record:
            record(title, body, notes=elapsed)
    print(elapsed)
    missed = verdict(headline)
    for line in missed:
        print(f"target not met: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
