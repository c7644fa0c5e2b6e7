"""Kinesis capacity model: shards from load, per-shard limits and headroom (pure, no AWS)."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Kinesis Data Streams per-shard limits (provisioned mode).
WRITE_BYTES_PER_SHARD = 1_048_576  # 1 MiB/s in
WRITE_RECORDS_PER_SHARD = 1_000  # records/s in
READ_BYTES_PER_SHARD = 2_097_152  # 2 MiB/s out, shared by all shared-throughput consumers
MAX_SHARDS_DEFAULT_QUOTA = 500  # eu-central-1 default account quota
IOT_PUBLISHES_PER_CONNECTION = 100  # IoT Core: publish requests per second per connection


class CapacityError(ValueError):
    """The requested load cannot be carried within the limits."""


@dataclass(frozen=True)
class StreamPlan:
    shards: int
    write_bytes_per_s: float
    write_records_per_s: float
    bytes_utilisation: float  # share of the stream's write-byte limit used at nominal load
    records_utilisation: float
    read_utilisation: float
    binding_limit: str  # which limit decided the shard count
    min_device_connections: int  # IoT connections needed for the publish rate

    @property
    def headroom_bytes(self) -> float:
        return 1 / self.bytes_utilisation

    @property
    def headroom_records(self) -> float:
        return 1 / self.records_utilisation


def plan_stream(
    events_per_second: int,
    avg_event_bytes: int,
    headroom: float = 2.0,
    consumers: int = 1,
    max_shards: int = MAX_SHARDS_DEFAULT_QUOTA,
) -> StreamPlan:
    """Smallest shard count that carries the load with `headroom` on every per-shard limit."""
    if events_per_second <= 0 or avg_event_bytes <= 0:
        raise CapacityError("events_per_second and avg_event_bytes must be positive")
    if headroom < 1:
        raise CapacityError(f"headroom {headroom} must be >= 1 (1 means no spare capacity)")
    if consumers < 1:
        raise CapacityError("at least one consumer reads the stream")
    write_bytes = events_per_second * avg_event_bytes
    needs = {
        "write_bytes": write_bytes * headroom / WRITE_BYTES_PER_SHARD,
        "write_records": events_per_second * headroom / WRITE_RECORDS_PER_SHARD,
        "read_bytes": write_bytes * consumers * headroom / READ_BYTES_PER_SHARD,
    }
    binding = max(needs, key=lambda k: needs[k])
    shards = max(1, math.ceil(needs[binding] - 1e-9))
    if shards > max_shards:
        raise CapacityError(f"{shards} shards exceed the quota of {max_shards}: raise the quota or use on-demand mode")
    return StreamPlan(
        shards=shards,
        write_bytes_per_s=write_bytes,
        write_records_per_s=float(events_per_second),
        bytes_utilisation=write_bytes / (shards * WRITE_BYTES_PER_SHARD),
        records_utilisation=events_per_second / (shards * WRITE_RECORDS_PER_SHARD),
        read_utilisation=write_bytes * consumers / (shards * READ_BYTES_PER_SHARD),
        binding_limit=binding,
        min_device_connections=math.ceil(events_per_second / IOT_PUBLISHES_PER_CONNECTION),
    )


def iterator_age_threshold_ms(batch_window_seconds: int = 100) -> int:
    """Alarm when the consumer is more than three Glue micro-batch windows behind (5 min at the 100 s default)."""
    return max(60_000, 3 * batch_window_seconds * 1000)
