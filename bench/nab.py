"""The NAB table: the detector on every labelled real series, tuned leave-one-series-out.

    python bench/nab.py [--data tests/job/data/nab] [--defaults]

For each series, the settings are chosen on the other eleven (anomaly.grading.tuning_grid) and the series is
graded with them: windows found, false-alarm rows (alert readings outside every window), false-alarm episodes
(per day), info rows (gaps, never paged). `--defaults` adds the table of the shipped defaults on every series
(which were chosen on all of them: not a held-out figure). Exits 1 when a target is not met, after the table.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from anomaly.detector import Params
from anomaly.grading import (
    TARGET_EPISODES_PER_DAY,
    TARGET_ROWS_PER_EPISODE,
    Candidate,
    Grade,
    combine,
    grade,
    leave_one_out,
    load_nab,
    tuning_grid,
)

DATA = Path(__file__).resolve().parents[1] / "tests" / "job" / "data" / "nab"


def table(grades: list[Grade], settings: list[str] | None = None) -> str:
    head = "| series | windows found | false rows | false episodes | per day | info rows |" + (
        " chosen on the others |" if settings else ""
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for i, g in enumerate([*grades, combine(grades)]):
        name = g.name.split("/")[-1].removesuffix(".csv") if g.name != "total" else "**total**"
        row = (
            f"| {name} | {g.found}/{g.windows} | {g.false_rows} | {g.false_episodes} | {g.episodes_per_day:.3f} "
            f"| {g.info_rows} |"
        )
        if settings:
            row += f" {settings[i] if i < len(settings) else ''} |"
        lines.append(row)
    return "\n".join(lines)


def verdict(total: Grade) -> list[str]:
    missed = [] if total.found == total.windows else [f"windows found {total.found}/{total.windows} (target: all)"]
    if total.episodes_per_day > TARGET_EPISODES_PER_DAY:
        missed.append(f"{total.episodes_per_day:.3f} false episodes/day (target <= {TARGET_EPISODES_PER_DAY})")
    if total.false_rows > TARGET_ROWS_PER_EPISODE * total.false_episodes:
        missed.append(f"{total.false_rows} false rows > {TARGET_ROWS_PER_EPISODE:g} x {total.false_episodes} episodes")
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/nab.py")
    parser.add_argument("--data", type=Path, default=DATA, help="NAB folder with combined_windows.json")
    parser.add_argument("--defaults", action="store_true", help="also grade the shipped defaults on every series")
    ns = parser.parse_args(argv)
    started, cpu = time.perf_counter(), time.process_time()
    series = load_nab(ns.data)
    candidates = tuning_grid()
    tuning = leave_one_out(series, candidates)
    grades = [fold.grade for fold in tuning.folds]
    defaults = candidates[0].label
    print(f"## NAB, leave-one-series-out ({len(candidates)} candidates; '-' = the shipped defaults)\n")
    print(table(grades, ["-" if f.chosen.label == defaults else f.chosen.label for f in tuning.folds]))
    print(
        f"\nchosen on all series: {tuning.chosen_on_all.label}"
        + (" (the shipped defaults)" if tuning.chosen_on_all.label == defaults else " (NOT the shipped defaults)")
    )
    for g in grades:
        if g.found < g.windows:
            print(f"missed: {g.name} windows {[i for i, f in enumerate(g.finders) if not f]}")
    if ns.defaults:
        shipped = [grade(s, Candidate("defaults", Params())) for s in series]
        print("\n## The shipped defaults on every series (tuned on all of them)\n")
        print(table(shipped))
    total = combine(grades)
    print(f"\nfalse-alarm rules (held out): {dict(sorted(total.false_rules.items()))}")
    print(f"{time.perf_counter() - started:.1f} s wall, {time.process_time() - cpu:.1f} s CPU")
    missed = verdict(total)
    for line in missed:
        print(f"target not met: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
