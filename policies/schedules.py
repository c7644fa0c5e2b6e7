"""Schedule expressions as Secrets Manager writes them (`rate(...)`, `cron(...)`): the longest time between two runs.

The grammar (Secrets Manager User Guide, "Rotation schedules",
https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html): `rate(Value Unit)` with a
positive Value and Unit hour, hours, day or days; `cron(Minutes Hours Day-of-month Month Day-of-week Year)` with
day-of-month `1-31` and `, - * ? / L`, month `1-12` or `JAN-DEC` and `, - * /`, day-of-week `1-7` or `SUN-SAT` and
`# , - * ? / L`, one of the two day fields `?`, and `*` for the year (a schedule that ends stops rotating). A cron's
longest gap is found by walking its run days over 28 years, after which weekdays and leap years repeat (1901-2099).
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import date, timedelta
from functools import cache
from itertools import pairwise

RATE = re.compile(r"^rate\(\s*(\d+)\s+(hours?|days?)\s*\)$")
CRON = re.compile(r"^cron\((.*)\)$")
MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
WEEKDAYS = {name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
START, CYCLE = date(2001, 1, 1), timedelta(days=28 * 365 + 7)  # 28 years holding 7 leap days: 1,461 weeks


class ScheduleError(ValueError):
    """Not a schedule expression Secrets Manager accepts; the message says what is wrong."""


def longest_gap_days(expression: str) -> float:
    """The longest time in days between two runs of the schedule (inf when it never runs); ScheduleError when the
    expression is not one Secrets Manager accepts."""
    text = expression.strip()
    rate = RATE.match(text)
    if rate:
        value = int(rate.group(1))
        if value < 1:
            raise ScheduleError("a rate's value must be a positive integer")
        return value / 24 if rate.group(2).startswith("hour") else float(value)
    cron = CRON.match(text)
    if cron:
        return _cron_gap(" ".join(cron.group(1).split()))
    raise ScheduleError("it is neither rate(N days|hours) nor cron(Minutes Hours Day-of-month Month Day-of-week Year)")


@cache
def _cron_gap(fields: str) -> float:
    parts = fields.split(" ")
    if len(parts) != 6:
        raise ScheduleError(
            f"a cron expression has 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), not {len(parts)}"
        )
    minutes, hours, day_of_month, month, day_of_week, year = parts
    _values(minutes, 0, 59, {}, "Minutes")
    _values(hours, 0, 23, {}, "Hours")
    if year != "*":
        raise ScheduleError(
            f"the Year field is {year!r}: Secrets Manager takes only *, a schedule that ends stops rotating"
        )
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ScheduleError("exactly one of Day-of-month and Day-of-week must be ?")
    months = _values(month, 1, 12, MONTHS, "Month")
    matches = _day_of_month(day_of_month) if day_of_week == "?" else _day_of_week(day_of_week)
    runs = [d for d in (START + timedelta(days=i) for i in range(CYCLE.days)) if d.month in months and matches(d)]
    if not runs:
        return math.inf
    gaps = [(later - earlier).days for earlier, later in pairwise(runs)]
    return float(max([*gaps, (runs[0] + CYCLE - runs[-1]).days]))


def _values(field: str, low: int, high: int, names: dict[str, int], label: str) -> set[int]:
    """The values a cron field's `, - * /` list names (a range may wrap, as FRI-MON)."""
    found: set[int] = set()
    for item in field.split(","):
        body, _, step_text = item.partition("/")
        step = _number(step_text, 1, high, {}, label) if step_text else 1
        if body == "*":
            first, last = low, high
        elif "-" in body:
            first, last = (_number(v, low, high, names, label) for v in body.split("-", 1))
        else:
            first = _number(body, low, high, names, label)
            last = high if step_text else first
        span = range(first, last + 1) if first <= last else [*range(first, high + 1), *range(low, last + 1)]
        found.update(list(span)[::step])
    return found


def _number(text: str, low: int, high: int, names: dict[str, int], label: str) -> int:
    value = names.get(text.upper()) if text.upper() in names else int(text) if text.isdigit() else None
    if value is None or not low <= value <= high:
        raise ScheduleError(f"the {label} field has {text!r}, not a value from {low} to {high}")
    return value


def _last_day(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _weekday(day: date) -> int:
    return (day.weekday() + 1) % 7 + 1  # cron counts SUN = 1 ... SAT = 7


def _day_of_month(field: str):
    items = field.split(",")
    last, rest = "L" in items, [i for i in items if i != "L"]
    days = _values(",".join(rest), 1, 31, {}, "Day-of-month") if rest else set()
    return lambda d: d.day in days or (last and d.day == _last_day(d))


def _day_of_week(field: str):
    tests = []
    for item in field.split(","):
        if "#" in item:  # the n-th such weekday of the month
            weekday_text, _, nth_text = item.partition("#")
            weekday, nth = _number(weekday_text, 1, 7, WEEKDAYS, "Day-of-week"), _number(nth_text, 1, 5, {}, "#")
            tests.append(lambda d, w=weekday, n=nth: _weekday(d) == w and (d.day - 1) // 7 + 1 == n)
        elif item.upper().endswith("L") and item.upper() not in WEEKDAYS:  # L: Saturday; xL: the month's last x
            weekday = 7 if item.upper() == "L" else _number(item[:-1], 1, 7, WEEKDAYS, "Day-of-week")
            last = item.upper() != "L"
            tests.append(lambda d, w=weekday, o=last: _weekday(d) == w and (not o or d.day + 7 > _last_day(d)))
        else:
            weekdays = _values(item, 1, 7, WEEKDAYS, "Day-of-week")
            tests.append(lambda d, ws=weekdays: _weekday(d) in ws)
    return lambda d: any(test(d) for test in tests)
