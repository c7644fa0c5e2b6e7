"""Schedule expressions read as Secrets Manager reads them: the longest time between two runs, or why AWS refuses the
expression (policies/schedules.py, behind SEC-ROT-001's maximum)."""

from __future__ import annotations

import math
import re

import pytest

from policies.schedules import ScheduleError, longest_gap_days


@pytest.mark.parametrize(
    ("expression", "days"),
    [
        ("rate(1 day)", 1),
        ("rate(30 days)", 30),
        ("rate(4 hours)", 4 / 24),
        ("rate(1000 hours)", 1000 / 24),
        ("cron(0 4/12 * * ? *)", 1),  # AWS's example: 4:00 and 16:00 every day
        ("cron(0 8 1/7 * ? *)", 7),  # the 1st, 8th, 15th, 22nd, 29th, then the 1st again
        ("cron(0 0 1,15 * ? *)", 17),  # the 15th of a 31-day month to the next 1st
        ("cron(0 0 1 * ? *)", 31),  # monthly: January 1st to February 1st
        ("cron(0 16 L * ? *)", 31),  # the last day of February to the last day of March
        ("cron(0 0 31 * ? *)", 61),  # skips the months without a 31st
        ("cron(0 0 ? * SUN *)", 7),
        ("cron(0 0 ? * MON#1,MON#3 *)", 21),
        ("cron(0 0 ? * 6L *)", 35),  # the last Friday of the month
        ("cron(0 0 ? * FRI-MON *)", 4),  # a range that wraps round the week: Tuesday to Friday
        ("cron(0 0 1 JAN,APR,JUL,OCT ? *)", 92),
        ("cron(0 0 29 FEB ? *)", 4 * 365 + 1),  # leap days only: 2004-02-29 to 2008-02-29
        ("cron(0 0 30 2 ? *)", math.inf),  # never
        ("  cron( 0  0 1  *  ?  * )  ", 31),  # spacing does not matter
    ],
)
def test_longest_gap(expression, days):
    assert longest_gap_days(expression) == pytest.approx(days)


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("rate(0 days)", "positive"),
        ("rate(2 weeks)", "neither rate"),
        ("every 30 days", "neither rate"),
        ("cron(0 0 1 * ? 2030)", "Year field"),
        ("cron(0 0 1 * * *)", "exactly one of Day-of-month and Day-of-week"),
        ("cron(0 0 ? * ? *)", "exactly one of Day-of-month and Day-of-week"),
        ("cron(0 0 32 * ? *)", "'32'"),
        ("cron(0 0 1W * ? *)", "'1W'"),
        ("cron(0 0 1 *)", "6 fields"),
        ("cron(0 24 1 * ? *)", "Hours"),
        ("cron(0 0 ? * MON#6 *)", "'6'"),
        ("cron(0 0 */0 * ? *)", "'0'"),
    ],
)
def test_expressions_secrets_manager_refuses(expression, why):
    with pytest.raises(ScheduleError, match=re.escape(why)):
        longest_gap_days(expression)
