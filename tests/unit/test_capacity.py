"""The Kinesis capacity model."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.capacity import (
    WRITE_BYTES_PER_SHARD,
    WRITE_RECORDS_PER_SHARD,
    CapacityError,
    iterator_age_threshold_ms,
    plan_stream,
)


def test_mission_load_has_double_headroom_on_both_write_limits():
    plan = plan_stream(10_000, 1_024, headroom=2.0)
    assert plan.shards == 20
    assert plan.headroom_bytes >= 2 and plan.headroom_records >= 2
    assert plan.binding_limit == "write_records"  # 20.0 shards for records vs 19.5 for bytes
    assert plan.min_device_connections == 100


@given(st.integers(1, 200_000), st.integers(16, 100_000), st.floats(1, 4), st.integers(1, 3))
def test_plan_always_respects_every_limit_with_headroom(eps, size, headroom, consumers):
    try:
        plan = plan_stream(eps, size, headroom, consumers)
    except CapacityError:
        return
    assert eps * size * headroom <= plan.shards * WRITE_BYTES_PER_SHARD * 1.000001
    assert eps * headroom <= plan.shards * WRITE_RECORDS_PER_SHARD * 1.000001
    assert plan.read_utilisation * headroom <= 1.000001
    if plan.shards > 1:  # minimal: one shard fewer would break a limit
        assert (
            max(
                eps * size * headroom / WRITE_BYTES_PER_SHARD,
                eps * headroom / WRITE_RECORDS_PER_SHARD,
                eps * size * consumers * headroom / (2 * WRITE_BYTES_PER_SHARD),
            )
            > plan.shards - 1
        )


def test_errors():
    for args in [(0, 1), (1, 0), (10, 10, 0.5), (10, 10, 2, 0)]:
        with pytest.raises(CapacityError):
            plan_stream(*args)
    with pytest.raises(CapacityError, match="on-demand"):
        plan_stream(10_000_000, 1024)
    assert iterator_age_threshold_ms() == 300_000
