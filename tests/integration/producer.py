"""The integration tests' Kinesis producer for sensor events: batched PutRecords (500 records / 5 MiB),
partition key per device, failed records retried with backoff, and a clear error when records still fail."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MAX_RECORDS = 500
MAX_BYTES = 5 * 1024 * 1024
MAX_RECORD_BYTES = 1024 * 1024


class ProducerError(RuntimeError):
    """Records could not be delivered after every retry."""


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    batches: int = 0


def _batches(events: Iterable[Mapping[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    size = 0
    for event in events:
        data = json.dumps(event, separators=(",", ":")).encode()
        key = str(event.get("device_id") or event.get("event_id") or "unknown")
        if len(data) + len(key) > MAX_RECORD_BYTES:
            raise ProducerError(f"event {event.get('event_id')!r} is {len(data)} bytes; Kinesis accepts at most 1 MiB")
        if len(batch) == MAX_RECORDS or size + len(data) + len(key) > MAX_BYTES:
            yield batch
            batch, size = [], 0
        batch.append({"Data": data, "PartitionKey": key})
        size += len(data) + len(key)
    if batch:
        yield batch


def send_events(
    client: Any,
    stream_name: str,
    events: Iterable[Mapping[str, Any]],
    attempts: int = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    report = SendReport()
    for batch in _batches(events):
        pending = batch
        for attempt in range(1, attempts + 1):
            response = client.put_records(StreamName=stream_name, Records=pending)
            report.batches += 1
            failed = [
                record for record, result in zip(pending, response["Records"], strict=True) if "ErrorCode" in result
            ]
            report.sent += len(pending) - len(failed)
            if not failed:
                break
            if attempt == attempts:
                codes = {r.get("ErrorCode") for r in response["Records"] if "ErrorCode" in r}
                raise ProducerError(
                    f"{len(failed)} record(s) still failing after {attempts} attempts ({', '.join(sorted(codes))})"
                )
            report.retried += len(failed)
            pending = failed
            sleep(min(2.0, 0.1 * 2**attempt))
    return report


def read_stream(client: Any, stream_name: str, limit_per_call: int = 10_000, max_empty_polls: int = 3) -> list[dict]:
    """Every record currently in the stream, from the trim horizon of every shard, decoded as JSON where possible."""
    records: list[dict] = []
    shards = client.list_shards(StreamName=stream_name)["Shards"]
    for shard in shards:
        iterator = client.get_shard_iterator(
            StreamName=stream_name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        empty = 0
        while iterator and empty < max_empty_polls:
            response = client.get_records(ShardIterator=iterator, Limit=limit_per_call)
            batch = response["Records"]
            records.extend({"data": r["Data"].decode(), "partition_key": r["PartitionKey"]} for r in batch)
            empty = empty + 1 if not batch else 0
            if not batch and response.get("MillisBehindLatest", 0) == 0:
                break
            iterator = response.get("NextShardIterator")
    return records
