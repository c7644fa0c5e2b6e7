"""Never miss the obvious: detector quality on simulated signals, graded on the exact readings each injection
affects (anomaly.simulate.evaluate), on a fixed example set (explicit seeds, cycles, phases and positions).

The requirement, after 12 hours of warm-up, on 1-minute series that are flat or have a daily cycle of 6 noise
deviations or more: recall 1.0 for a level shift of 5 deviations lasting 30 minutes, a spike of 8, a stuck reading
for 30 minutes, a noise burst of 5x the noise for 15 minutes and an out-of-range reading; at most 0.1 false alert
episodes per series-day (episodes starting outside every labelled window) on the injected series and on clean
ones. bench/simulator_sweep.py runs a larger random sweep (sizes, cycles, phases, positions, cadences).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from anomaly.detector import Params
from anomaly.grading import WARMUP_S, grade_simulated
from anomaly.simulate import Injection, Scenario, evaluate, fleet, simulate

OBVIOUS = {  # kind -> (size, duration in seconds): the smallest the requirement names
    "level_shift": (5.0, 1_800.0),
    "spike": (8.0, 60.0),
    "stuck": (0.0, 1_800.0),
    "noise_burst": (5.0, 900.0),
    "out_of_range": (0.0, 60.0),
}
CYCLES = (0.0, 6.0, 12.0)  # daily amplitude, in noise deviations
PHASES = (0.0, math.pi / 2, math.pi, 3 * math.pi / 2)
STARTS_H = (13.0, 30.5, 55.0)  # hours after the series' start: night, day, evening of different days


def _examples(kind: str) -> list:
    size, duration = OBVIOUS[kind]
    return [
        simulate(
            Scenario(cycle=cycle, phase=phase, seed=seed, injections=(Injection(kind, size, duration, at * 3600),)),
            device_id=f"{kind}-{seed}",
        )
        for seed, (cycle, phase, at) in enumerate(itertools.product(CYCLES, PHASES, STARTS_H))
    ]


@pytest.mark.parametrize("kind", list(OBVIOUS))
def test_the_obvious_is_always_found(kind):
    quality = grade_simulated(_examples(kind))
    assert quality.injections == {kind: len(CYCLES) * len(PHASES) * len(STARTS_H)}
    assert quality.recall == {kind: 1.0}, quality.missed
    assert quality.false_per_day <= 0.1, (quality.false_episodes, quality.days)


def test_clean_series_raise_no_more_than_one_false_episode_in_ten_days():
    clean = [
        simulate(Scenario(cycle=cycle, phase=phase, seed=100 + n), device_id=f"clean-{n}")
        for n, (cycle, phase) in enumerate(itertools.product((0.0, 6.0, 12.0, 20.0), PHASES))
    ]
    quality = grade_simulated(clean)
    assert quality.days == pytest.approx(16 * 2.5, abs=0.1)
    assert quality.false_per_day <= 0.1, quality.false_episodes


def test_the_catalog_fleet_at_10_seconds():
    """4 devices x 6 metrics x 2 days at the catalog's 10 s, one anomaly of each kind per series (larger ones,
    sized as the producers and the benches inject them): every spike, level shift, stuck run, noise burst,
    out-of-range reading and gap found; no false episode. A drift (a ramp over 50 minutes) on a series younger than
    3 days is followed by the level's trend and not found: it is found against the daily profile once that speaks
    (test_detector: missed shifts and night runs), the tested honest limit."""
    quality = grade_simulated(fleet(4, 17_280, seed=3))
    found = {k: v for k, v in quality.recall.items() if k != "drift"}
    assert found == dict.fromkeys(("spike", "level_shift", "stuck", "noise_burst", "out_of_range", "gap"), 1.0)
    assert quality.false_episodes == 0


def test_evaluate_counts_an_alert_off_the_interval_as_not_found():
    """The grader itself: an alert one reading after an injection's last reading does not find it; one on its
    first reading does; an episode starting outside every labelled window is false."""
    from anomaly.episodes import Episode

    series = simulate(Scenario(seed=1, injections=(Injection("spike", 8.0, 60.0, 20 * 3600.0),)))
    (_, first, _) = series.injected[0]
    i = int(np.searchsorted(series.timestamps, first))
    scores = np.zeros(len(series.values))
    scores[i + 1] = 1.0
    per_reading = [[] for _ in scores]
    assert evaluate([(series, scores, per_reading, [])], 0.5, WARMUP_S).recall == {"spike": 0.0}
    scores[i] = 0.9
    late = Episode("e", "d", "m", "l", float(series.timestamps[-10]), None, 0.0, "warning", ("spike",), 0, 0, 1, "open")
    quality = evaluate([(series, scores, per_reading, [late])], Params().threshold, WARMUP_S)
    assert quality.recall == {"spike": 1.0} and quality.false_episodes == 1
