"""The detector on public labelled real data (NAB, MIT): every series graded on NAB's own windows, with settings
chosen leave-one-series-out (the figures are for series the settings were not chosen on).

Targets (issue 12): every window found; <= 0.1 false-alarm episodes per day overall; false-alarm rows <= 2 x
false-alarm episodes. Measured when written (bench/nab.py prints the table): 18 of 21 windows, 60 false episodes
in 741 days (0.081 a day), 90 false rows. The window target is NOT met: the three windows missed are named
below, so that finding one more (or losing one) shows here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from anomaly.grading import (
    TARGET_EPISODES_PER_DAY,
    TARGET_ROWS_PER_EPISODE,
    Candidate,
    combine,
    grade,
    leave_one_out,
    load_nab,
    tuning_grid,
)
from anomaly.scoring import ExportError

DATA = Path(__file__).parent / "data" / "nab"
MISSED = {  # series -> index of the window missed, and why
    # the density of identical spikes rises (5 in 2 h where there are 2 in 8 h): no rule judges spike density
    "artificialWithAnomaly/art_increase_spike_density.csv": [0],
    # the failure is mostly a 7-day outage (a gap: info, never paged) and values no lower than other cold spells
    "realKnownCause/ambient_temperature_system_failure.csv": [1],
    # activity resuming after a quiet run of zeros, as it does outside the windows too
    "realKnownCause/rogue_agent_key_hold.csv": [0],
}


@pytest.fixture(scope="module")
def nab():
    return load_nab(DATA)


@pytest.fixture(scope="module")
def tuning(nab):
    return leave_one_out(nab, tuning_grid())


def test_all_twelve_series_and_their_21_windows_are_read(nab):
    assert len(nab) == 12 and sum(len(s.windows) for s in nab) == 21
    assert all(len(s.timestamps) > 1_000 and (s.timestamps[1:] >= s.timestamps[:-1]).all() for s in nab)


def test_held_out_figures_meet_the_alarm_targets(tuning):
    total = combine([fold.grade for fold in tuning.folds])
    assert total.days == pytest.approx(741, abs=1)
    assert total.episodes_per_day <= TARGET_EPISODES_PER_DAY, total
    assert total.false_rows <= TARGET_ROWS_PER_EPISODE * total.false_episodes, total
    assert total.false_episodes <= 65  # measured 60


def test_held_out_windows_found_all_but_three(tuning):
    missed = {
        fold.held_out: [i for i, rules in enumerate(fold.grade.finders) if not rules]
        for fold in tuning.folds
        if fold.grade.found < fold.grade.windows
    }
    assert missed == MISSED


def test_no_series_floods(tuning):
    """The spikiest series page most (load balancer 0.93 a day, the two keyboard series 0.65-0.76); none pages
    more than once a day."""
    for fold in tuning.folds:
        assert fold.grade.episodes_per_day <= 1.0, fold


def test_the_shipped_defaults_are_what_all_series_choose(tuning):
    assert tuning.chosen_on_all == tuning_grid()[0]


def test_a_five_minute_export_is_not_a_gap_at_every_reading(nab):
    """The issue's symptom: a 5-minute series scored against the catalog's 10 s flagged almost every reading as a
    gap. The series learns its own interval: a gap only while the prior still counts, and at real outages."""
    cpu = next(s for s in nab if "cpu_utilization" in s.name)
    graded = grade(cpu, Candidate("defaults", tuning_grid()[0].params))
    assert graded.info_rows <= 2  # of 18,050 readings, every 300 s


def test_load_nab_says_what_is_missing(tmp_path):
    with pytest.raises(ExportError, match=r"combined_windows\.json"):
        load_nab(tmp_path)
