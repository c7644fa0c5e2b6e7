"""Grading the detector against labelled data: simulated series (their exact injected intervals) and labelled
windows such as NAB's (alert episodes that start outside every window are false).

The official NAB score (windows weighted by a scaled sigmoid, three application profiles) is computed in
bench/nab_scorer.py; this module answers the operator's questions: was each anomaly found, and how many false
alert episodes does a series raise per day.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from anomaly.detector import Params
from anomaly.episodes import Episode, EpisodeParams
from anomaly.scoring import score_series
from anomaly.simulate import Quality, Series, evaluate

WARMUP_S = 12 * 3600.0  # a new series is graded after half a day


def detect_simulated(
    series: Sequence[Series], params: Params | None = None, episode_params: EpisodeParams | None = None
) -> list[tuple[Series, np.ndarray, list, list[Episode]]]:
    """Each series through the scorer from an empty state (as a new device in the stream): its scores, its
    anomalies per reading and its alert episodes."""
    out = []
    for s in series:
        scored = score_series(
            s.device_id, s.metric, s.production_line, s.timestamps, s.values, [], params, episode_params
        )
        out.append((s, scored.scores, scored.anomalies, scored.episodes))
    return out


def grade_simulated(
    series: Sequence[Series],
    params: Params | None = None,
    episode_params: EpisodeParams | None = None,
    warmup_s: float = WARMUP_S,
) -> Quality:
    """Recall per kind on the exact injected intervals and false episodes per series-day after the warm-up."""
    params = params or Params()
    return evaluate(detect_simulated(series, params, episode_params), params.threshold, warmup_s)


def false_episodes(episodes: Sequence[Episode], windows: Sequence[tuple[float, float]], after: float) -> int:
    """Episodes that start at or after `after` outside every window (epoch seconds, both ends inside)."""
    return sum(
        1 for e in episodes if e.start_ts >= after and not any(start <= e.start_ts <= end for start, end in windows)
    )
