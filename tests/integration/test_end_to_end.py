"""End to end: sensor events into the deployed stream, read back, through the anomaly job, into the deployed lake.

On the emulator the job's own code path (local Spark, same parse, detector and sinks as Glue) runs on what the
stream returned, and its output files are uploaded the way the job's S3 writer does: without encryption headers,
so only the bucket's default encryption can put them under the lake CMK. On real AWS the Glue job consumes the
stream and the test waits for the event ids it published to appear in the curated table.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.conftest import ON_EMULATOR
from tests.integration.mutations import aws_only, bucket_on_sse_s3, mutation
from tests.integration.producer import read_stream, send_events

JUNK = [b"{not json", json.dumps({"event_id": "junk-event-0001", "device_id": "press-9"}).encode()]
GLUE_DEADLINE_S = 20 * 60


def _events(run: str) -> list[dict]:
    """A small simulated fleet (with its injected anomalies), event ids unique to this run."""
    from anomaly.simulate import fleet, to_events

    return [{**e, "event_id": f"{run}-{e['event_id']}"} for s in fleet(2, 300, seed=21) for e in to_events(s)]


def _ours(records: list[dict], run: str) -> list[dict]:
    return [r for r in records if f'"{run}-' in r["data"] or r["data"].encode() in JUNK]


@dataclass(frozen=True)
class Published:
    run: str  # the prefix of this run's event ids
    events: list[dict]
    since: datetime  # a minute before they were sent


@pytest.fixture(scope="module")
def published(outputs, aws):
    run = uuid.uuid4().hex[:8]
    kinesis = aws("kinesis")
    events = _events(run)
    since = datetime.now(UTC) - timedelta(minutes=1)
    assert send_events(kinesis, outputs["streamName"], events).sent == len(events)
    kinesis.put_records(StreamName=outputs["streamName"], Records=[{"Data": d, "PartitionKey": "junk"} for d in JUNK])
    return Published(run, events, since)


def _stream_deleted(outputs, aws):
    kinesis = aws("kinesis")
    summary = kinesis.describe_stream_summary(StreamName=outputs["streamName"])["StreamDescriptionSummary"]
    kinesis.delete_stream(StreamName=outputs["streamName"], EnforceConsumerDeletion=True)

    def restore():
        kinesis.create_stream(StreamName=outputs["streamName"], ShardCount=summary["OpenShardCount"])
        kinesis.start_stream_encryption(
            StreamName=outputs["streamName"], EncryptionType="KMS", KeyId=outputs["kmsKeyArnStream"]
        )

    return restore


@mutation("the stream the outputs name is gone", _stream_deleted)
def test_producer_delivers_every_event(outputs, aws):
    """Every event a producer sends reaches the deployed stream and reads back from it, keyed by device, in the
    order each device sent it."""
    run = uuid.uuid4().hex[:8]
    events = [
        {"event_id": f"{run}-{i:05d}", "device_id": f"press-{i % 5}", "seq": i // 5, "value": float(i)}
        for i in range(1200)
    ]
    kinesis = aws("kinesis")
    report = send_events(kinesis, outputs["streamName"], events)
    assert report.sent == len(events)
    records = [r for r in read_stream(kinesis, outputs["streamName"]) if f'"{run}-' in r["data"]]
    got = [json.loads(r["data"]) for r in records]
    assert sorted(e["event_id"] for e in got) == sorted(e["event_id"] for e in events)
    assert all(r["partition_key"] == json.loads(r["data"])["device_id"] for r in records)
    for device in {e["device_id"] for e in events}:
        sequence = [e["seq"] for e in got if e["device_id"] == device]
        assert sequence == sorted(sequence), device


def _output_files(root: Path) -> list[Path]:
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(("_", ".")) for part in p.relative_to(root).parts)
    ]


@pytest.mark.skipif(not ON_EMULATOR, reason="on AWS the Glue job consumes the stream: see test_glue_job_output")
@mutation("the curated bucket's default encryption is switched to SSE-S3", bucket_on_sse_s3("curatedBucketName"))
def test_job_output_lands_in_the_lake_under_the_lake_cmk(published, outputs, aws, tmp_path):
    """The job, run on what the deployed stream returned, loses nothing (curated + quarantined = read; every
    published event id curated once, junk quarantined), finds the injected anomalies, and its files, written
    to the lake buckets without encryption headers, are encrypted by the buckets' defaults under the lake CMK
    with a bucket key; the curated files read back from the bucket hold exactly the published event ids."""
    try:
        import pyarrow.parquet as pq

        from anomaly.__main__ import run_local
    except ImportError as error:
        pytest.fail(
            f"the end-to-end step needs the job's Spark stack ({error}): run the integration tests with the "
            "deploy-local or integration tox env, which install it (requirements/integration.txt)"
        )
    run, events = published.run, published.events
    records = _ours(read_stream(aws("kinesis"), outputs["streamName"]), run)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "stream.jsonl").write_text("\n".join(r["data"] for r in records) + "\n")
    totals = run_local(tmp_path / "in", tmp_path / "out")
    published_ids = {e["event_id"] for e in events}
    assert totals["records"] == len(records) == totals["curated"] + totals["quarantined"]  # nothing lost
    assert totals["curated"] == len(published_ids) and totals["quarantined"] >= len(JUNK)
    assert totals["anomalies"] > 0

    s3 = aws("s3")
    uploads = {
        "curated": (outputs["curatedBucketName"], f"sensor_events/run={run}"),
        "anomalies": (outputs["anomaliesBucketName"], f"anomalies/run={run}"),
        "quarantine": (outputs["quarantineBucketName"], f"job/run={run}"),
    }
    for table, (bucket, prefix) in uploads.items():
        root = tmp_path / "out" / table
        files = _output_files(root)
        assert files, table
        for path in files:
            key = f"{prefix}/{path.relative_to(root).as_posix()}"
            s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())  # as the job's writer: no SSE headers
            head = s3.head_object(Bucket=bucket, Key=key)
            assert head.get("ServerSideEncryption") == "aws:kms", (table, key, head.get("ServerSideEncryption"))
            assert head.get("SSEKMSKeyId") == outputs["kmsKeyArnLake"], (table, key)
            assert head.get("BucketKeyEnabled") is True, (table, key)
    curated_ids: list[str] = []
    listed = s3.get_paginator("list_objects_v2").paginate(
        Bucket=outputs["curatedBucketName"], Prefix=uploads["curated"][1]
    )
    for page in listed:
        for item in page.get("Contents", []):
            if item["Key"].endswith(".parquet"):
                body = s3.get_object(Bucket=outputs["curatedBucketName"], Key=item["Key"])["Body"].read()
                curated_ids += pq.read_table(io.BytesIO(body), columns=["event_id"]).column("event_id").to_pylist()
    assert sorted(curated_ids) == sorted(published_ids)


@aws_only("Glue jobs are registered but never run by the emulator")
def test_glue_job_output(published, outputs, aws):
    """The deployed Glue job, running on the stream, writes every event id this test published to the curated
    table within 20 minutes, each file under the lake CMK; the test reports how many arrived."""
    import pyarrow.parquet as pq

    events = published.events
    glue, s3 = aws("glue"), aws("s3")
    job = outputs["glueJobName"]
    if not any(
        r["JobRunState"] in ("RUNNING", "STARTING", "WAITING") for r in glue.get_job_runs(JobName=job)["JobRuns"]
    ):
        # The job keeper may start it in between: one run at a time, and then it is running.
        with contextlib.suppress(glue.exceptions.ConcurrentRunsExceededException):
            glue.start_job_run(JobName=job)
    wanted = {e["event_id"] for e in events}
    found: set[str] = set()
    read: set[str] = set()
    started = time.monotonic()
    while True:
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket=outputs["curatedBucketName"], Prefix="sensor_events/"
        )
        for item in (item for page in pages for item in page.get("Contents", [])):
            if item["Key"] in read or not item["Key"].endswith(".parquet") or item["LastModified"] < published.since:
                continue
            read.add(item["Key"])
            head = s3.head_object(Bucket=outputs["curatedBucketName"], Key=item["Key"])
            assert head.get("ServerSideEncryption") == "aws:kms" and head.get("SSEKMSKeyId") == outputs["kmsKeyArnLake"]
            body = s3.get_object(Bucket=outputs["curatedBucketName"], Key=item["Key"])["Body"].read()
            found |= wanted & set(pq.read_table(io.BytesIO(body), columns=["event_id"]).column("event_id").to_pylist())
        elapsed = time.monotonic() - started
        if wanted <= found or elapsed > GLUE_DEADLINE_S:
            break
        time.sleep(30)
    print(f"{len(found)} of {len(wanted)} published event ids reached the curated table after {elapsed:.0f} s")
    assert wanted <= found, (
        f"{len(found)} of {len(wanted)} published event ids reached the curated table of {job} within "
        f"{GLUE_DEADLINE_S // 60} minutes ({len(read)} new files read)"
    )


def _outputs_lose_stream_arn(outputs, aws):
    from tests.integration.conftest import OUTPUTS

    saved = OUTPUTS.read_text()
    OUTPUTS.write_text(json.dumps({k: v for k, v in json.loads(saved).items() if k != "streamArn"}))
    return lambda: OUTPUTS.write_text(saved)


@mutation("the outputs file loses a required output (streamArn)", _outputs_lose_stream_arn)
def test_outputs_file_matches_its_schema(outputs):
    """The outputs file the tests read is the deploy's contract: it matches infra/schemas/flat-outputs.schema.json,
    less only the outputs of resources the emulator target left out (listed by the run in target.json)."""
    import jsonschema

    from tests.integration.conftest import TARGET

    schema = json.loads(
        (Path(__file__).resolve().parents[2] / "infra" / "schemas" / "flat-outputs.schema.json").read_text()
    )
    dropped = set(TARGET.get("dropped_outputs", []))
    schema["required"] = [name for name in schema["required"] if name not in dropped]
    jsonschema.validate(outputs, schema)
