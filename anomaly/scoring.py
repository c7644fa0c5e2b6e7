"""Offline scoring of exported series: a CSV of readings through the same detector and alert episodes as the job.

Each device x metric starts from an empty state and learns its own reporting interval, daily cycle and noise, as a
new series does in the stream; metrics of the sensor catalog get its limits, any other name none.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from anomaly.detector import Anomaly, Params, SeriesState, detect
from anomaly.episodes import Episode, EpisodeParams, track
from anomaly.sensor_catalog import spec_for


class ExportError(ValueError):
    """A CSV export that cannot be scored: the message says what, where and how to fix it."""


@dataclass(frozen=True)
class ScoredSeries:
    device_id: str
    metric: str
    production_line: str
    timestamps: np.ndarray  # epoch seconds, in time order
    values: np.ndarray
    labels: list[str]  # the export's timestamp text of each reading
    scores: np.ndarray  # the anomaly score of each reading, 0-1
    reasons: list[str]  # the part of the model that finds each reading most surprising
    anomalies: list[list[Anomaly]]
    episodes: list[Episode]


def read_export(csv_path: Path):
    """The export as a frame with `ts` (epoch seconds), `value`, `device_id`, `metric` and `production_line`;
    refuses what it cannot read with the line numbers to fix."""
    import pandas as pd

    try:
        frame = pd.read_csv(csv_path)
    except FileNotFoundError:
        raise ExportError(f"{csv_path}: no such file") from None
    except IsADirectoryError:
        raise ExportError(f"{csv_path}: is a folder, not a CSV file; give the path of the export file") from None
    except OSError as error:  # permissions, an unreadable device or mount
        reason = error.strerror or str(error)
        raise ExportError(f"{csv_path}: cannot be read ({reason}); check the file's permissions or copy it") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ExportError(f"{csv_path}: not a readable CSV ({str(error).splitlines()[0]})") from None
    missing = [c for c in ("timestamp", "value") if c not in frame.columns]
    if missing:
        raise ExportError(
            f"{csv_path}: missing column(s) {', '.join(missing)}; expected timestamp,value "
            "[,device_id,metric,production_line]"
        )
    times = pd.to_datetime(frame["timestamp"], utc=True, errors="coerce")
    values = pd.to_numeric(frame["value"], errors="coerce")
    bad = frame.index[times.isna() | values.isna() | ~np.isfinite(values.fillna(0.0))]
    if len(bad):
        lines = ", ".join(str(i + 2) for i in bad[:5])
        raise ExportError(
            f"{csv_path}: line(s) {lines} have an unreadable timestamp or value ({len(bad)} in all); fix or remove them"
        )
    defaults = {"device_id": "series", "metric": "value", "production_line": ""}
    columns = {
        name: frame[name].fillna(default).astype(str) if name in frame.columns else default
        for name, default in defaults.items()
    }
    return frame.assign(ts=times.astype("int64") / 1e9, value=values.astype(float), **columns)


def score_frame(
    frame, params: Params | None = None, episode_params: EpisodeParams | None = None
) -> Iterator[ScoredSeries]:
    """Every device x metric of a `read_export` frame through the detector and the episodes, in name order."""
    ordered = frame.sort_values("ts", kind="stable")
    for (device, metric), group in ordered.groupby(["device_id", "metric"], sort=True):
        yield score_series(
            str(device),
            str(metric),
            str(group["production_line"].iloc[0]),
            group["ts"].to_numpy(dtype=float),
            group["value"].to_numpy(dtype=float),
            group["timestamp"].astype(str).tolist(),
            params,
            episode_params,
        )


def score_series(
    device_id: str,
    metric: str,
    production_line: str,
    timestamps: np.ndarray,
    values: np.ndarray,
    labels: list[str],
    params: Params | None = None,
    episode_params: EpisodeParams | None = None,
) -> ScoredSeries:
    """One series in time order from an empty state: its scores, its anomalies per reading and its alert
    episodes."""
    params, episode_params = params or Params(), episode_params or EpisodeParams()
    state = SeriesState()
    detection = detect(state, timestamps, values, spec_for(metric), params)
    anomalies = detection.per_reading()
    episodes = track(
        state,
        device_id=device_id,
        metric=metric,
        production_line=production_line,
        timestamps=timestamps,
        values=values,
        anomalies=anomalies,
        params=episode_params,
    )
    return ScoredSeries(
        device_id,
        metric,
        production_line,
        timestamps,
        values,
        labels,
        detection.scores,
        detection.reasons,
        anomalies,
        episodes,
    )
