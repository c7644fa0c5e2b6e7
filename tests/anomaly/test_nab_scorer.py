"""bench/nab_scorer.py, NAB's scoring method, checked against what NAB defines and publishes: the null detector
scores 0 and the perfect one 100 on every profile; ARTime's published per-file scores reproduced from its published
anomaly scores; the published corpus totals normalise to the scoreboard's figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench.nab_scorer import (
    MAX_TP,
    PROFILES,
    LabelledFile,
    epochs,
    load_corpus,
    normalised,
    optimise_threshold,
    probation,
    scaled_sigmoid,
    score_corpus,
    score_detections,
    sweep,
)

NAB = Path(__file__).resolve().parents[2] / "bench" / "data" / "nab"
PUBLISHED = json.loads((Path(__file__).parent / "data" / "nab_published_artime.json").read_text())


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(NAB)


def test_the_corpus_is_the_40_files_and_82_windows(corpus):
    assert len(corpus.files) == 40 and sum(len(f.windows) for f in corpus.files) == 82
    assert corpus.categories == [
        "artificialNoAnomaly",
        "artificialWithAnomaly",
        "realAdExchange",
        "realKnownCause",
        "realTraffic",
        "realTweets",
    ]
    assert all(probation(len(f.timestamps)) <= f.windows[0][0] for f in corpus.files if f.windows)


def _first_of_each_window(file: LabelledFile) -> np.ndarray:
    scores = np.zeros(len(file.timestamps))
    scores[[left for left, _ in file.windows]] = 1.0
    return scores


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_null_scores_0_and_perfect_scores_100(corpus, profile):
    swept = [sweep(f) for f in corpus.files]
    null = score_corpus(swept, [np.zeros(len(f.timestamps)) for f in corpus.files], profile)
    assert null.score == 0.0 and null.threshold == np.inf
    perfect = score_corpus(swept, [_first_of_each_window(f) for f in corpus.files], profile)
    assert perfect.score == pytest.approx(100.0, abs=1e-9) and perfect.threshold == 1.0
    # Every reading of every window flagged: only the earliest counts, the rest are free.
    every = [
        np.isin(np.arange(len(f.timestamps)), [i for a, b in f.windows for i in range(a, b + 1)]) * 1.0
        for f in corpus.files
    ]
    assert score_corpus(swept, every, profile).score == pytest.approx(100.0, abs=1e-9)


def test_a_detection_at_each_label_scores_what_the_sigmoid_gives(corpus):
    """Flagging the middle reading of each window (where NAB's label sits): sigma(-0.5) / sigma(-1) per window,
    about 93 on the standard profile."""
    profile = PROFILES[0]
    swept = [sweep(f) for f in corpus.files]
    middle = []
    for f in corpus.files:
        scores = np.zeros(len(f.timestamps))
        scores[[(a + b + 1) // 2 for a, b in f.windows]] = 1.0
        middle.append(scores)
    result = score_corpus(swept, middle, profile)
    expected = []
    for f in corpus.files:
        for a, b in f.windows:
            width, i = b - a + 1, (a + b + 1) // 2
            expected.append(float(scaled_sigmoid(np.array(-(b - i + 1) / width))) / MAX_TP)
    assert result.raw == pytest.approx(sum(expected), rel=1e-12)
    assert 92.0 < result.score < 94.0


def test_false_positives_cost_fp_weight_before_a_window_and_little_just_after():
    file = LabelledFile("x/y.csv", np.arange(2000.0), np.zeros(2000), ((1000, 1099),))
    swept = sweep(file)
    profile = PROFILES[1]
    for row, cost in [(800, -0.22), (1100, 0.0), (1399, -0.22)]:
        detections = np.zeros(2000, bool)
        detections[row] = True
        scored = score_detections(swept, detections, profile)
        assert scored.raw == pytest.approx(-1.0 + cost, abs=0.01), row  # the window is missed: -1
    detections = np.zeros(2000, bool)
    detections[[10, 1000]] = True  # inside the probationary period (first 300 rows): ignored
    assert score_detections(swept, detections, profile).raw == pytest.approx(1.0)


@pytest.mark.parametrize("name", ["standard", "reward_low_FP", "reward_low_FN"])
def test_artimes_published_file_scores_are_reproduced(corpus, name):
    profile = next(p for p in PROFILES if p.name == name)
    file = next(f for f in corpus.files if f.name == PUBLISHED["file"])
    scores = np.zeros(len(file.timestamps))
    times = {t: v for t, v in PUBLISHED["nonzero_scores"].items()}
    stamps = epochs(list(times))
    for epoch, value in zip(stamps, times.values(), strict=True):
        scores[int(np.flatnonzero(file.timestamps == epoch)[0])] = value
    expected = PUBLISHED["published"][name]
    got = score_detections(sweep(file), scores >= expected["threshold"], profile)
    assert got.raw == pytest.approx(expected["score"], abs=1e-12)
    assert (got.tp, got.fp) == (expected["tp"], expected["fp"])
    # On this file alone the optimiser can only do better than the corpus' threshold did.
    best, table = optimise_threshold([sweep(file)], [scores], profile)
    assert best.raw >= got.raw and table[0].threshold == np.inf


@pytest.mark.parametrize("name", ["standard", "reward_low_FP", "reward_low_FN"])
def test_the_published_totals_normalise_to_the_scoreboard(name):
    profile = next(p for p in PROFILES if p.name == name)
    totals = PUBLISHED["corpus_totals"]
    got = normalised(totals[name]["raw"], totals["windows"], profile)
    assert round(got, 1) == totals[name]["normalised"]
