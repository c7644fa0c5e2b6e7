"""The detector on public labelled real data (NAB, MIT, bench/data/nab): what `score --episodes` writes, scored by
NAB's own method (bench/nab_scorer.py), and the operator's figure, false alert episodes per series-day.

bench/nab.py prints and records the tables (per category, leave-one-category-out); these tests hold the shipped
defaults to what was measured when they were chosen, so that a change that loses NAB points shows here.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from anomaly.grading import WARMUP_S, false_episodes
from anomaly.scoring import score_series
from bench.nab import DATA, Setting, official, score_corpus_files
from bench.nab_scorer import epochs, load_corpus

# Measured with the shipped defaults (bench/RESULTS.md): 77.6 / 67.0 / 83.5. One point of slack, not more.
FLOORS = {"standard": 76.6, "reward_low_FP": 66.0, "reward_low_FN": 82.5}


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(DATA)


@pytest.fixture(scope="module")
def shipped(corpus):
    from anomaly.detector import Params
    from anomaly.episodes import EpisodeParams

    return score_corpus_files(corpus, Setting("shipped defaults", Params(), EpisodeParams()))


def test_the_shipped_defaults_keep_their_nab_scores(corpus, shipped):
    scored = official(corpus, [starts for _, starts in shipped])
    assert all(scored[name].score >= floor for name, floor in FLOORS.items()), {n: s.score for n, s in scored.items()}


def test_real_known_cause_raises_at_most_one_false_episode_in_ten_series_days(corpus, shipped):
    """Episodes that start after half a day outside every NAB window, over the six realKnownCause series
    (measured: 41 in 654 series-days, 0.063 a day)."""
    labelled = json.loads((DATA / "combined_windows.json").read_text())
    false, days = 0, 0.0
    for file, (_, starts) in zip(corpus.files, shipped, strict=True):
        if file.category != "realKnownCause":
            continue
        windows = [tuple(epochs(w)) for w in labelled[file.name]]
        after = float(file.timestamps[0]) + WARMUP_S
        episodes = score_series("nab", "value", "", file.timestamps, file.values, []).episodes
        assert [e.start_ts for e in episodes] == starts
        false += false_episodes(episodes, windows, after)
        days += (float(file.timestamps[-1]) - after) / 86_400
    assert days == pytest.approx(654.3, abs=0.1)
    assert false / days <= 0.1, (false, days)


def test_an_hourly_series_is_not_a_gap_at_its_first_readings(corpus):
    """The issue's symptom: the first readings of an hourly series were reported as gaps against the catalog's
    10 s ("no reading for 3600s (reports every 10s)"). The series' own cadence outvotes the prior."""
    hourly = next(f for f in corpus.files if f.name == "realAdExchange/exchange-2_cpc_results.csv")
    scored = score_series("nab", "value", "", hourly.timestamps, hourly.values, [])
    gaps = [i for i, found in enumerate(scored.anomalies) if any(a.rule == "gap" for a in found)]
    assert gaps and min(gaps) > 100  # real outages of the exchange's feed only, none at the start
    assert all("reports every 3600s" in a.message for i in gaps for a in scored.anomalies[i] if a.rule == "gap")


def test_the_bench_scores_what_the_cli_writes(tmp_path, corpus, shipped):
    """`python -m anomaly score --episodes` on a NAB file writes the episode starts the bench scores."""
    from anomaly.__main__ import main

    index = next(i for i, f in enumerate(corpus.files) if f.name == "realKnownCause/nyc_taxi.csv")
    out = tmp_path / "episodes.csv"
    assert main(["score", "--csv", str(DATA / corpus.files[index].name), "--out", str(out), "--episodes"]) == 0
    written = pd.read_csv(out)
    assert epochs(written["start"].tolist()).tolist() == shipped[index][1]
    assert written["score"].between(0.5, 1.0).all()
