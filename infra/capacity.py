"""Capacity, end to end (pure, no AWS): IoT publish limits -> Kinesis shards -> what the Glue job can read per
micro-batch -> what its workers can process. The job must drain at least DRAIN_FACTOR x the load by construction.

Limits and where AWS states them:
- Kinesis per shard: 1 MiB/s or 1,000 records/s in; 2 MiB/s and 5 GetRecords calls/s out; at most 10,000 records
  per GetRecords call (https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html).
- Glue Kinesis source, per micro-batch and shard: at most maxFetchRecordsPerShard records (a strict cap only as a
  multiple of maxRecordPerRead), read for at most maxFetchTimeInMs (default 1,000 ms), maxRecordPerRead per
  GetRecords call (https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-etl-connect-kinesis-home.html).
- IoT Core: 100 publishes/s per connection (https://docs.aws.amazon.com/general/latest/gr/iot-core.html).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Kinesis Data Streams per-shard limits (provisioned mode).
WRITE_BYTES_PER_SHARD = 1_048_576  # 1 MiB/s in
WRITE_RECORDS_PER_SHARD = 1_000  # records/s in
READ_BYTES_PER_SHARD = 2_097_152  # 2 MiB/s out, shared by all shared-throughput consumers
MAX_SHARDS_DEFAULT_QUOTA = 500  # eu-central-1 default account quota
IOT_PUBLISHES_PER_CONNECTION = 100  # IoT Core: publish requests per second per connection
GET_RECORDS_CALLS_PER_SHARD = 5  # per second
MAX_RECORDS_PER_GET_RECORDS = 10_000
DRAIN_FACTOR = 2.0  # the job reads and processes at least twice what arrives: a backlog shrinks, never grows
# The measured full job layer, events/s per core: bench/job_throughput.py's steady pass, 45,700 events/s on
# local[2] (README, "Throughput"). A named input: when the job gets faster or slower, change it here and the
# model (and its tests) re-derive everything else.
JOB_EVENTS_PER_CORE_S = 45_700 / 2
G1X_CORES_PER_WORKER = 4  # G.1X: 4 vCPU; one worker hosts the Spark driver


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


@dataclass(frozen=True)
class GlueReadSettings:
    """The Kinesis source options and the workers the job runs with."""

    window_seconds: int
    max_fetch_time_ms: int
    max_record_per_read: int
    max_fetch_records_per_shard: int
    workers: int
    cores_per_worker: int = G1X_CORES_PER_WORKER
    events_per_core_s: float = JOB_EVENTS_PER_CORE_S


@dataclass(frozen=True)
class DrainPlan:
    """What one micro-batch can take from each shard, and the job's sustained drain rate."""

    settings: GlueReadSettings
    load_events_per_s: float
    shards: int
    per_shard_bounds: dict[str, float]  # records per shard per micro-batch, by bound
    read_events_per_s: float
    compute_events_per_s: float
    batch_period_s: float

    @property
    def binding_bound(self) -> str:
        """compute when processing stretches micro-batches past the window, else the tightest read bound."""
        if self.batch_period_s > self.settings.window_seconds:
            return "compute"
        return "read: " + min(self.per_shard_bounds, key=lambda k: self.per_shard_bounds[k])

    @property
    def drain_events_per_s(self) -> float:
        return min(self.read_events_per_s, self.compute_events_per_s)

    @property
    def drain_factor(self) -> float:
        return self.drain_events_per_s / self.load_events_per_s


def drain_plan(
    settings: GlueReadSettings, events_per_second: float, avg_event_bytes: int, shards: int, consumers: int = 1
) -> DrainPlan:
    """The sustained rate at which the Glue job drains one stream, under every read and compute bound."""
    s = settings
    if min(s.window_seconds, s.max_fetch_time_ms, s.max_record_per_read, s.max_fetch_records_per_shard) <= 0:
        raise CapacityError("window, fetch time and record limits must be positive")
    if s.max_record_per_read > MAX_RECORDS_PER_GET_RECORDS:
        raise CapacityError(f"maxRecordPerRead {s.max_record_per_read} exceeds Kinesis' {MAX_RECORDS_PER_GET_RECORDS}")
    if s.workers < 2:
        raise CapacityError("a Glue job needs at least 2 workers: one hosts the driver")
    fetch_s = s.max_fetch_time_ms / 1000
    bounds = {
        "maxFetchRecordsPerShard": float(s.max_fetch_records_per_shard),
        "GetRecords calls x maxRecordPerRead": max(1, math.floor(fetch_s * GET_RECORDS_CALLS_PER_SHARD))
        * float(s.max_record_per_read),
        "2 MiB/s per shard": fetch_s * READ_BYTES_PER_SHARD / consumers / avg_event_bytes,
    }
    per_batch = shards * min(bounds.values())
    compute = (s.workers - 1) * s.cores_per_worker * s.events_per_core_s
    # A micro-batch starts every window, or as soon as the last one is read and processed if that takes longer.
    period = max(float(s.window_seconds), fetch_s + per_batch / compute)
    return DrainPlan(
        settings=s,
        load_events_per_s=float(events_per_second),
        shards=shards,
        per_shard_bounds=bounds,
        read_events_per_s=per_batch / period,
        compute_events_per_s=compute,
        batch_period_s=period,
    )


def plan_glue_read(
    events_per_second: float,
    avg_event_bytes: int,
    shards: int,
    workers: int,
    window_seconds: int = 10,
    fetch_share: float = 0.6,
    consumers: int = 1,
    events_per_core_s: float = JOB_EVENTS_PER_CORE_S,
    drain_factor: float = DRAIN_FACTOR,
) -> DrainPlan:
    """Kinesis source options for the load: read each shard for `fetch_share` of the window, at most as many
    records per batch as 2 MiB/s allows in that time (a multiple of maxRecordPerRead, so the cap is strict), and
    refuse any load the job would not drain at `drain_factor` x, naming the bound and what to change."""
    if not 0 < fetch_share <= 1:
        raise CapacityError(f"fetch_share {fetch_share} must be in (0, 1]")
    fetch_ms = int(window_seconds * 1000 * fetch_share)
    per_read = MAX_RECORDS_PER_GET_RECORDS
    by_bytes = fetch_ms / 1000 * READ_BYTES_PER_SHARD / consumers / avg_event_bytes
    cap = max(per_read, math.ceil(by_bytes / per_read) * per_read)
    settings = GlueReadSettings(window_seconds, fetch_ms, per_read, cap, workers, events_per_core_s=events_per_core_s)
    plan = drain_plan(settings, events_per_second, avg_event_bytes, shards, consumers)
    if plan.drain_factor < drain_factor:
        raise CapacityError(
            f"the Glue job would drain {plan.drain_events_per_s:,.0f} events/s, {plan.drain_factor:.2f}x the load of "
            f"{events_per_second:,.0f} (needs {drain_factor}x); binding bound: {plan.binding_bound}. "
            + (
                "Add workers (numberOfWorkers) or make the job faster"
                if plan.binding_bound == "compute"
                else "Add shards (raise headroom), lengthen the fetch share of the window, or use enhanced fan-out"
            )
        )
    return plan


# Per-device ordering: the rule's partition key is the thing name, so all of a device's events land on one shard in
# order; one device therefore can publish no more than one connection and one shard allow.
MAX_EVENTS_PER_DEVICE_S = min(IOT_PUBLISHES_PER_CONNECTION, WRITE_RECORDS_PER_SHARD)


def capacity_table(events_per_second: int, avg_event_bytes: int, headroom: float, workers: int) -> str:
    """The README's capacity table, computed (a test holds the README equal to it)."""
    stream = plan_stream(events_per_second, avg_event_bytes, headroom)
    drain = plan_glue_read(events_per_second, avg_event_bytes, stream.shards, workers)
    s = drain.settings
    rows = [
        ("load per line", f"{events_per_second:,} events/s x {avg_event_bytes:,} B"),
        ("IoT connections needed (100 publishes/s each)", f"{stream.min_device_connections:,}"),
        (f"shards (headroom {headroom:.1f}, binding: {stream.binding_limit})", f"{stream.shards}"),
        ("Glue window / maxFetchTimeInMs", f"{s.window_seconds} s / {s.max_fetch_time_ms:,} ms"),
        (
            "maxRecordPerRead / maxFetchRecordsPerShard",
            f"{s.max_record_per_read:,} / {s.max_fetch_records_per_shard:,}",
        ),
        *(
            (f"per shard per batch, bound by {name}", f"{value:,.0f} records")
            for name, value in drain.per_shard_bounds.items()
        ),
        ("read drain (all shards)", f"{drain.read_events_per_s:,.0f} events/s"),
        (
            f"compute drain ({s.workers - 1} x {s.cores_per_worker} cores x {s.events_per_core_s:,.0f} events/s)",
            f"{drain.compute_events_per_s:,.0f} events/s",
        ),
        ("drain / load (must be >= 2)", f"{drain.drain_factor:.2f} (binding: {drain.binding_bound})"),
    ]
    return "\n".join(["| quantity | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)])
