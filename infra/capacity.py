"""Capacity, end to end (pure, no AWS): IoT publish limits -> Kinesis shards -> what the Glue job can read per
micro-batch -> what its workers can process. The job must drain at least DRAIN_FACTOR x the load by construction.

Limits and where AWS states them:
- Kinesis per shard: 1 MiB/s or 1,000 records/s in; 2 MiB/s and 5 GetRecords calls/s out; at most 10,000 records
  per GetRecords call (https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html).
- Glue Kinesis source, per micro-batch and shard: at most maxFetchRecordsPerShard records (a strict cap only as a
  multiple of maxRecordPerRead), read for at most maxFetchTimeInMs (default 1,000 ms), maxRecordPerRead per
  GetRecords call (https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-etl-connect-kinesis-home.html).
- IoT Core: 100 publishes/s per connection (https://docs.aws.amazon.com/general/latest/gr/iot-core.html).
- Glue G.1X worker: 4 vCPU and 1 executor; one worker hosts the driver
  (https://docs.aws.amazon.com/glue/latest/dg/worker-types.html). The Kinesis source reads each shard in its own
  task, on an executor, for up to maxFetchTimeInMs: a micro-batch with more shard tasks than executor cores runs in
  waves, each wave fetching and processing its shards before the next starts
  (https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-etl-connect-kinesis-home.html, "the maximum
  time spent for the job executor to read records for the current batch").
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
MAX_GLUE_WORKERS = 299  # the largest job the model sizes (and glueWorkers accepts); far above any load we plan


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
    compute_events_per_s: float  # processing alone: one core per shard task, the tasks of a wave in parallel
    batch_period_s: float
    waves: int  # shard tasks / executor cores, rounded up

    @property
    def executor_cores(self) -> int:
        return (self.settings.workers - 1) * self.settings.cores_per_worker

    @property
    def binding_bound(self) -> str:
        """compute when processing stretches micro-batches past the window, else the tightest read bound."""
        if self.batch_period_s > self.settings.window_seconds:
            if self.waves > 1:
                return f"compute ({self.shards} shard tasks in {self.waves} waves on {self.executor_cores} cores)"
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
    """The sustained rate at which the Glue job drains one stream, under every read and compute bound.

    Each shard is one task on one executor core: it fetches for maxFetchTimeInMs (a backlog fills the whole fetch
    time), then processes its records on that core. With more shards than executor cores the tasks run in waves,
    one after another; a micro-batch starts every window, or when the last wave is done if that takes longer."""
    s = settings
    if min(s.window_seconds, s.max_fetch_time_ms, s.max_record_per_read, s.max_fetch_records_per_shard) <= 0:
        raise CapacityError("window, fetch time and record limits must be positive")
    if s.max_record_per_read > MAX_RECORDS_PER_GET_RECORDS:
        raise CapacityError(f"maxRecordPerRead {s.max_record_per_read} exceeds Kinesis' {MAX_RECORDS_PER_GET_RECORDS}")
    if s.workers < 2:
        raise CapacityError("a Glue job needs at least 2 workers: one hosts the driver")
    if shards < 1:
        raise CapacityError("a stream has at least one shard")
    fetch_s = s.max_fetch_time_ms / 1000
    bounds = {
        "maxFetchRecordsPerShard": float(s.max_fetch_records_per_shard),
        "GetRecords calls x maxRecordPerRead": max(1, math.floor(fetch_s * GET_RECORDS_CALLS_PER_SHARD))
        * float(s.max_record_per_read),
        "2 MiB/s per shard": fetch_s * READ_BYTES_PER_SHARD / consumers / avg_event_bytes,
    }
    per_shard = min(bounds.values())
    cores = (s.workers - 1) * s.cores_per_worker
    waves = math.ceil(shards / cores)
    process_s = per_shard / s.events_per_core_s  # one task, one core
    period = max(float(s.window_seconds), waves * (fetch_s + process_s))
    return DrainPlan(
        settings=s,
        load_events_per_s=float(events_per_second),
        shards=shards,
        per_shard_bounds=bounds,
        read_events_per_s=shards * per_shard / period,
        compute_events_per_s=shards * per_shard / (waves * process_s),
        batch_period_s=period,
        waves=waves,
    )


def _read_settings(
    avg_event_bytes: int, workers: int, window_seconds: int, fetch_share: float, consumers: int, per_core: float
) -> GlueReadSettings:
    """Read each shard for `fetch_share` of the window, at most as many records per batch as 2 MiB/s allows in that
    time (a multiple of maxRecordPerRead, so the cap is strict)."""
    if not 0 < fetch_share <= 1:
        raise CapacityError(f"fetch_share {fetch_share} must be in (0, 1]")
    fetch_ms = int(window_seconds * 1000 * fetch_share)
    per_read = MAX_RECORDS_PER_GET_RECORDS
    by_bytes = fetch_ms / 1000 * READ_BYTES_PER_SHARD / consumers / avg_event_bytes
    cap = max(per_read, math.ceil(by_bytes / per_read) * per_read)
    return GlueReadSettings(window_seconds, fetch_ms, per_read, cap, workers, events_per_core_s=per_core)


def plan_glue_read(
    events_per_second: float,
    avg_event_bytes: int,
    shards: int,
    workers: int | None = None,
    window_seconds: int = 10,
    fetch_share: float = 0.6,
    consumers: int = 1,
    events_per_core_s: float = JOB_EVENTS_PER_CORE_S,
    drain_factor: float = DRAIN_FACTOR,
) -> DrainPlan:
    """Kinesis source options for the load, on `workers` G.1X workers (None: the fewest that drain it), refusing
    any load the job would not drain at `drain_factor` x, naming the bound and what to change."""
    if workers is None:
        for candidate in range(2, MAX_GLUE_WORKERS + 1):
            settings = _read_settings(
                avg_event_bytes, candidate, window_seconds, fetch_share, consumers, events_per_core_s
            )
            plan = drain_plan(settings, events_per_second, avg_event_bytes, shards, consumers)
            if plan.drain_factor >= drain_factor or plan.waves == 1:
                break  # enough; or every shard has its core already, and more workers cannot help
    else:
        settings = _read_settings(avg_event_bytes, workers, window_seconds, fetch_share, consumers, events_per_core_s)
        plan = drain_plan(settings, events_per_second, avg_event_bytes, shards, consumers)
    if plan.drain_factor < drain_factor:
        raise CapacityError(
            f"the Glue job would drain {plan.drain_events_per_s:,.0f} events/s, {plan.drain_factor:.2f}x the load of "
            f"{events_per_second:,.0f} (needs {drain_factor}x) on {plan.settings.workers} workers; binding bound: "
            f"{plan.binding_bound}. "
            + (
                "Add workers (--glue-workers, GLUE_WORKERS or cdktf context 'glueWorkers') or make the job faster"
                if plan.waves > 1
                else "Add shards (raise headroom: each shard task has one core) or make the job faster"
                if plan.binding_bound.startswith("compute")
                else "Add shards (raise headroom), lengthen the fetch share of the window, or use enhanced fan-out"
            )
        )
    return plan


# Per-device ordering: the rule's partition key is the thing name, so all of a device's events land on one shard in
# order; one device therefore can publish no more than one connection and one shard allow.
MAX_EVENTS_PER_DEVICE_S = min(IOT_PUBLISHES_PER_CONNECTION, WRITE_RECORDS_PER_SHARD)


def capacity_table(events_per_second: int, avg_event_bytes: int, headroom: float, workers: int | None = None) -> str:
    """The capacity table of docs/deploy.md, computed (tests/docs/test_infra_pages.py holds the page to it)."""
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
        (
            f"G.1X workers / executor cores / waves of {stream.shards} shard tasks",
            f"{s.workers} / {drain.executor_cores} / {drain.waves}",
        ),
        ("micro-batch period", f"{drain.batch_period_s:,.1f} s"),
        ("read drain (all shards)", f"{drain.read_events_per_s:,.0f} events/s"),
        (
            f"compute drain ({drain.waves} wave(s), one core per shard task at {s.events_per_core_s:,.0f} events/s)",
            f"{drain.compute_events_per_s:,.0f} events/s",
        ),
        ("drain / load (must be >= 2)", f"{drain.drain_factor:.2f} (binding: {drain.binding_bound})"),
    ]
    return "\n".join(["| quantity | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)])
