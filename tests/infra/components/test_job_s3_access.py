"""The job role's S3 access, derived from what the job's writer does, and held to exactly that.

The real `anomaly.sinks.write_batch` runs here (its Spark imports stubbed: it only calls a Hadoop FileSystem and a
DataFrameWriter) against a model of Glue's `s3://` file system (EMRFS) that records every S3 request a Hadoop call
makes. Each request becomes the IAM action and resource it needs, and the synthesized job role must allow every one
of them and grant nothing on S3 that none of them uses. A change to the writer (a new file operation, another
prefix) or to the policy (a missing action, a grant on a whole bucket) fails here.

The model, and where each piece comes from:
- getFileStatus(p) is HEAD p, then HEAD p_$folder$, then LIST p/ (the first that finds it wins); mkdirs creates
  an empty `<dir>_$folder$` object for each missing directory from the top down, and a delete leaves one for the
  parent (https://repost.aws/knowledge-center/emr-s3-empty-files: EMRFS marks directories with `_$folder$`
  objects); rename is COPY then DELETE (S3 has no rename).
- HEAD and GET need s3:GetObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html), LIST
  s3:ListBucket on the bucket with the request's prefix as s3:prefix
  (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html), COPY s3:GetObject on the source and
  s3:PutObject on the target (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html), DELETE
  s3:DeleteObject; a PUT of a file may be a multipart upload, covered by s3:PutObject, whose abort after a failed
  part needs s3:AbortMultipartUpload
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions); the client resolves a
  bucket's region before its first request (s3:GetBucketLocation).
- Spark's save() of a partitioned frame in overwrite mode: delete the target if present, write task files under
  `_temporary/`, commit them by rename, then `_SUCCESS` (Hadoop's FileOutputCommitter, which Spark uses for JSON
  and, without the S3-optimized committer, for Parquet: a superset of the optimized committer's requests).
- The streaming checkpoint and Glue's TempDir: a write-to-temp-then-rename metadata log with reads, listings and
  purges (Spark's CheckpointFileManager on a file system without atomic create).
"""

from __future__ import annotations

import ast
import fnmatch
import importlib
import re
import sys
import types
from dataclasses import dataclass, field

import pytest

from tests.conftest import PROJECT
from tests.deployability.conftest import policy_statements, role_of

SINKS = PROJECT / "anomaly" / "sinks.py"
ENTRY = PROJECT / "anomaly" / "sensor_stream_job.py"
MARKER = "_$folder$"


# --- the EMRFS model --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    action: str  # the IAM action it needs
    bucket: str
    key: str  # object key, or the listed prefix for s3:ListBucket, or "" for bucket-level actions


@dataclass
class S3Model:
    objects: set[tuple[str, str]] = field(default_factory=set)
    requests: list[Request] = field(default_factory=list)
    located: set[str] = field(default_factory=set)

    def call(self, action: str, bucket: str, key: str = "") -> None:
        if bucket not in self.located:
            self.located.add(bucket)
            self.requests.append(Request("s3:GetBucketLocation", bucket, ""))
        self.requests.append(Request(action, bucket, key))

    def head(self, bucket: str, key: str) -> bool:
        self.call("s3:GetObject", bucket, key)
        return (bucket, key) in self.objects

    def list(self, bucket: str, prefix: str) -> list[str]:
        self.call("s3:ListBucket", bucket, prefix)
        return sorted(k for b, k in self.objects if b == bucket and k.startswith(prefix))

    def put(self, bucket: str, key: str, data: bool = True) -> None:
        self.call("s3:PutObject", bucket, key)
        if data:  # a file's upload may be multipart, and is aborted when a part fails; an empty marker is not
            self.call("s3:AbortMultipartUpload", bucket, key)
        self.objects.add((bucket, key))

    def copy(self, bucket: str, source: str, target: str) -> None:
        self.call("s3:GetObject", bucket, source)
        self.call("s3:PutObject", bucket, target)
        self.objects.add((bucket, target))

    def delete(self, bucket: str, key: str) -> None:
        self.call("s3:DeleteObject", bucket, key)
        self.objects.discard((bucket, key))


class FakePath:
    def __init__(self, text: str) -> None:
        match = re.fullmatch(r"s3://([^/]+)/?(.*)", str(text))
        assert match, f"the writer used a path that is not s3://: {text}"
        self.bucket, self.key = match.group(1), re.sub("/+", "/", match.group(2)).strip("/")  # as Hadoop's Path

    def toString(self) -> str:
        return f"s3://{self.bucket}/{self.key}" if self.key else f"s3://{self.bucket}/"

    def getParent(self):
        if not self.key:
            return None
        return FakePath(f"s3://{self.bucket}/{self.key.rpartition('/')[0]}")

    def getName(self) -> str:
        return self.key.rpartition("/")[2]

    def getFileSystem(self, _conf):
        return FakePath.fs

    def makeQualified(self, _uri, _cwd):
        return self

    fs: EmrFs


class _Status:
    def __init__(self, path: FakePath) -> None:
        self.path = path

    def getPath(self) -> FakePath:
        return self.path


class _Iterator:
    def __init__(self, items: list) -> None:
        self.items = list(items)

    def hasNext(self) -> bool:
        return bool(self.items)

    def next(self):
        return self.items.pop(0)


class EmrFs:
    """The Hadoop FileSystem calls anomaly.sinks makes, as S3 requests (see the module docstring)."""

    def __init__(self, s3: S3Model) -> None:
        self.s3 = s3

    def _p(self, path) -> FakePath:
        return path if isinstance(path, FakePath) else FakePath(path)

    def status(self, path) -> str | None:
        p = self._p(path)
        if not p.key:
            return "dir"
        if self.s3.head(p.bucket, p.key):
            return "file"
        if self.s3.head(p.bucket, p.key + MARKER):
            return "dir"
        return "dir" if self.s3.list(p.bucket, p.key + "/") else None

    def exists(self, path) -> bool:
        return self.status(path) is not None

    def mkdirs(self, path) -> bool:
        p = self._p(path)
        parts = p.key.split("/") if p.key else []
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth])
            kind = self.status(f"s3://{p.bucket}/{folder}")
            assert kind != "file", f"mkdirs through a file: {folder}"
            if kind is None:
                self.s3.put(p.bucket, folder + MARKER, data=False)
        return True

    def create(self, path, overwrite: bool = True):
        p = self._p(path)
        kind = self.status(p)
        assert kind != "dir" and (overwrite or kind is None), f"create over {kind}: {p.key}"
        self.mkdirs(p.getParent())
        self.s3.put(p.bucket, p.key)
        return types.SimpleNamespace(close=lambda: None, write=lambda *_: None)

    def open(self, path):
        p = self._p(path)
        assert self.status(p) == "file", p.key
        self.s3.call("s3:GetObject", p.bucket, p.key)
        return types.SimpleNamespace(close=lambda: None, read=lambda *_: b"")

    def _keys_under(self, p: FakePath) -> list[str]:
        return [k for k in self.s3.list(p.bucket, p.key + "/") if not k.endswith(MARKER)]

    def delete(self, path, recursive: bool = True) -> bool:
        p = self._p(path)
        kind = self.status(p)
        if kind is None:
            return False
        if kind == "file":
            self.s3.delete(p.bucket, p.key)
        else:
            assert recursive, p.key
            for key in self.s3.list(p.bucket, p.key + "/"):
                self.s3.delete(p.bucket, key)
            if (p.bucket, p.key + MARKER) in self.s3.objects:
                self.s3.delete(p.bucket, p.key + MARKER)
        parent = p.getParent()
        if parent is not None and parent.key:
            self.s3.put(p.bucket, parent.key + MARKER, data=False)  # EMRFS keeps the parent directory visible
        return True

    def rename(self, source, target) -> bool:
        src, dst = self._p(source), self._p(target)
        kind = self.status(src)
        if kind is None or self.status(dst) == "file" or self.status(dst.getParent()) != "dir":
            return False
        if kind == "file":
            self.s3.copy(src.bucket, src.key, dst.key)
            self.s3.delete(src.bucket, src.key)
            return True
        for key in self._keys_under(src):
            self.s3.copy(src.bucket, key, dst.key + key[len(src.key) :])
            self.s3.delete(src.bucket, key)
        return True

    def listFiles(self, path, recursive: bool):
        p = self._p(path)
        assert self.status(p) == "dir", p.key
        return _Iterator([_Status(FakePath(f"s3://{p.bucket}/{k}")) for k in self._keys_under(p)])

    def listStatus(self, path):
        return list(self.listFiles(path, False).items)

    def getUri(self):
        return None

    def getWorkingDirectory(self):
        return None


# --- what writes through it -------------------------------------------------------------------------------------


class FakeWriter:
    """DataFrameWriter.save() of a partitioned frame in overwrite mode, through FileOutputCommitter (v1)."""

    def __init__(self, fs: EmrFs, partitions: list[tuple[str, ...]]) -> None:
        self.fs, self.rows, self.keys, self.ext = fs, partitions, [], "parquet"

    def mode(self, mode):
        assert mode == "overwrite", mode
        return self

    def partitionBy(self, *keys):
        self.keys = list(keys)
        return self

    def format(self, fmt):
        self.ext = fmt
        return self

    def save(self, path: str) -> None:
        fs, root = self.fs, FakePath(path).toString()
        if fs.exists(root):
            fs.delete(root, True)
        job = f"{root}/_temporary/0"
        fs.mkdirs(job)
        attempt, task = f"{job}/_temporary/attempt_0001_m_000000_0", f"{job}/task_0001_m_000000"
        for values in self.rows:
            folder = "/".join(f"{k}={v}" for k, v in zip(self.keys, values, strict=True))
            fs.create(f"{attempt}/{folder}/part-00000-1f2e.c000.{self.ext}", True).close()
        fs.rename(attempt, task)
        for status in fs.listStatus(task):
            relative = status.getPath().toString()[len(task) + 1 :]
            fs.mkdirs(FakePath(f"{root}/{relative}").getParent())
            fs.rename(status.getPath(), f"{root}/{relative}")
        fs.delete(f"{root}/_temporary", True)
        fs.create(f"{root}/_SUCCESS", True).close()


def metadata_log(fs: EmrFs, root: str, start: int, batches: int = 3) -> None:
    """A streaming checkpoint (or Glue's temp folder): metadata, offsets and commits logs written to a temp file
    and renamed, state files, reads on restart, listings and purges of old entries."""
    root = FakePath(root).toString()
    if not fs.exists(f"{root}/metadata"):
        fs.create(f"{root}/metadata", False).close()
    for log in ("offsets", "commits", "state/0/0"):
        fs.mkdirs(f"{root}/{log}")
        for batch in range(start, start + batches):
            temp = f"{root}/{log}/.{batch}.5d41.tmp"
            fs.create(temp, False).close()
            fs.rename(temp, f"{root}/{log}/{batch}")
            fs.open(f"{root}/{log}/{batch}").close()
        fs.listStatus(f"{root}/{log}")
        fs.delete(f"{root}/{log}/{start}", False)


def load_sinks(monkeypatch) -> types.ModuleType:
    """anomaly.sinks with its Spark-side imports stubbed (write_batch needs only the objects it is given)."""

    class Stub(types.ModuleType):
        def __getattr__(self, name):
            return type(name, (), {})

    for name in ("pyspark", "pyspark.sql", "pyspark.sql.functions", "anomaly.pipeline"):
        monkeypatch.setitem(sys.modules, name, Stub(name))
    monkeypatch.delitem(sys.modules, "anomaly.sinks", raising=False)
    module = importlib.import_module("anomaly.sinks")
    monkeypatch.delitem(sys.modules, "anomaly.sinks")
    return module


def table_writes() -> dict[str, tuple[list[str], str]]:
    """Tables field -> (partition columns, format) of every write_batch call in process_batch (read from the
    source, so a new table or a new partition column is followed here)."""
    tree = ast.parse(SINKS.read_text())
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "write_batch":
            table = node.args[1]
            assert isinstance(table, ast.Attribute), ast.unparse(node)
            partitions = ast.literal_eval(node.args[3])
            fmt = next((ast.literal_eval(k.value) for k in node.keywords if k.arg == "fmt"), "parquet")
            found[table.attr] = (partitions, fmt)
    return found


def table_arguments() -> dict[str, str]:
    """Tables field -> the job argument that names its path (the Glue entry builds Tables from its arguments)."""
    sinks = ast.parse(SINKS.read_text())
    tables = next(n for n in ast.walk(sinks) if isinstance(n, ast.ClassDef) and n.name == "Tables")
    fields = [n.target.id for n in tables.body if isinstance(n, ast.AnnAssign)]
    entry = ast.parse(ENTRY.read_text())
    call = next(n for n in ast.walk(entry) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "Tables")
    names = [ast.literal_eval(a.slice) for a in call.args]
    return dict(zip(fields, names, strict=True))


def checkpoint_argument() -> str:
    """The job argument the entry passes as Spark's checkpointLocation."""
    entry = ast.parse(ENTRY.read_text())
    for node in ast.walk(entry):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "checkpointLocation":
                    return ast.literal_eval(value.slice)
    raise AssertionError("the Glue entry passes no checkpointLocation")


# --- the derivation and the check -------------------------------------------------------------------------------


def derived_requests(job: dict, monkeypatch, objects: dict[str, dict] | None = None) -> list[Request]:
    """Every S3 request the job makes, for one synthesized aws_glue_job (`objects`: the stack's aws_s3_object
    resources, whose keys the code locations name)."""
    sinks = load_sinks(monkeypatch)
    s3 = S3Model()
    fs = EmrFs(s3)
    FakePath.fs = fs
    spark = types.SimpleNamespace(
        _jvm=types.SimpleNamespace(
            org=types.SimpleNamespace(
                apache=types.SimpleNamespace(hadoop=types.SimpleNamespace(fs=types.SimpleNamespace(Path=FakePath)))
            )
        ),
        _jsc=types.SimpleNamespace(hadoopConfiguration=lambda: None),
    )
    args = job["default_arguments"]
    arguments = table_arguments()
    writes = table_writes()
    assert set(writes) == set(arguments), (writes, arguments)
    for field_name, (partitions, fmt) in writes.items():
        table = args[f"--{arguments[field_name]}"]  # as the job gets it, with its trailing slash
        rows = [tuple(f"{p}-{i}" for p in partitions) for i in range(2)]

        def batch(batch_id: int, table=table, rows=rows, partitions=partitions, fmt=fmt) -> str:
            frame = types.SimpleNamespace(sparkSession=spark, write=FakeWriter(fs, rows))
            return sinks.write_batch(frame, table, batch_id, partitions, fmt)

        assert batch(0) == "written" and batch(0) == "skipped"  # fresh lake, then a re-run of a committed batch
        # An attempt of batch 1 that died after moving a file: its leftover goes before the retry moves again.
        folder = "/".join(f"{p}={p}-0" for p in partitions)
        leftover = FakePath(f"{table}/{folder}/batch0000000001-part-00000-dead.c000.{fmt}")
        s3.objects.add((leftover.bucket, leftover.key))
        assert batch(1) == "written" and (leftover.bucket, leftover.key) not in s3.objects
        assert batch(2) == "written"
    for location in (args[f"--{checkpoint_argument()}"], args["--TempDir"]):
        metadata_log(fs, location, 0)
        metadata_log(fs, location, 3)  # a restart continues the same logs
    for code in (job["command"]["script_location"], args["--extra-py-files"], args["--extra-files"]):
        for name, config in (objects or {}).items():
            code = code.replace(f"${{aws_s3_object.{name}.key}}", config["key"])
        path = FakePath(code)
        s3.call("s3:GetObject", path.bucket, path.key)  # Glue fetches the script and the shipped files
    return s3.requests


def as_arn(bucket: str) -> str:
    """`${aws_s3_bucket.x.bucket}` (a job argument's bucket) -> `${aws_s3_bucket.x.arn}` (a policy resource)."""
    match = re.fullmatch(r"\$\{(aws_s3_bucket\.[^.]+)\.bucket\}", bucket)
    assert match, f"the job names a bucket the stack does not own: {bucket}"
    return f"${{{match.group(1)}.arn}}"


def _glob(pattern: str, text: str) -> bool:
    return fnmatch.fnmatchcase(text, pattern.replace("[", "[[]"))  # IAM: * and ? only


def _prefixes(statement: dict) -> list[str] | None:
    conditions = [c for c in statement.get("condition", []) if c["variable"] == "s3:prefix"]
    assert all(c["test"] == "StringLike" for c in conditions), statement["sid"]
    return [v for c in conditions for v in c["values"]] if conditions else None


def allowing(statements: list[dict], request: Request) -> list[tuple[dict, str, str | None]]:
    """(statement, resource pattern, s3:prefix pattern) of every grant that allows the request."""
    arn = as_arn(request.bucket)
    found = []
    for s in statements:
        if s.get("effect", "Allow") != "Allow" or request.action not in s["actions"]:
            continue
        for resource in s.get("resources", []):
            if request.action in ("s3:ListBucket", "s3:GetBucketLocation"):
                if resource != arn:
                    continue
                prefixes = _prefixes(s) if request.action == "s3:ListBucket" else None
                if prefixes is None:
                    found.append((s, resource, None))
                found += [(s, resource, p) for p in prefixes or [] if _glob(p, request.key)]
            elif _glob(resource, f"{arn}/{request.key}"):
                found.append((s, resource, None))
    return found


def test_the_job_role_allows_exactly_the_s3_requests_its_writer_makes(ephemeral, monkeypatch):
    jobs = list(ephemeral.resources("aws_glue_job").values())
    statements = policy_statements(ephemeral, role_of(jobs[0]["role_arn"]))
    objects = ephemeral.resources("aws_s3_object")
    requests = [r for job in jobs for r in derived_requests(job, monkeypatch, objects)]
    denied = sorted({f"{r.action} {r.bucket.split('.')[1]}/{r.key}" for r in requests if not allowing(statements, r)})
    assert not denied, "the job's writer needs, and the role does not allow:\n" + "\n".join(denied)
    used = {(s["sid"], resource, prefix, r.action) for r in requests for s, resource, prefix in allowing(statements, r)}
    unused = []
    for s in statements:
        s3_actions = [a for a in s["actions"] if a.startswith("s3:")]
        for action in s3_actions:
            for resource in s.get("resources", []):
                prefixes = (_prefixes(s) if action == "s3:ListBucket" else None) or [None]
                unused += [
                    f"{s['sid']}: {action} on {resource}" + (f" (s3:prefix {p})" if p else "")
                    for p in prefixes
                    if (s["sid"], resource, p, action) not in used
                ]
    assert not unused, "the role grants S3 access no request of the job uses:\n" + "\n".join(unused)


def test_the_model_sees_a_writer_that_changes(ephemeral, monkeypatch):
    """The derivation runs the real code: a writer that also copied its marker elsewhere needs more."""
    job = next(iter(ephemeral.resources("aws_glue_job").values()))
    baseline = {(r.action, r.key.split("/")[0]) for r in derived_requests(job, monkeypatch)}
    assert ("s3:DeleteObject", "job") in baseline  # the quarantine's write_batch removes what it moved
    assert ("s3:ListBucket", "sensor_events") in baseline  # and lists its own table

    real = load_sinks(monkeypatch).write_batch

    def wider(frame, table, batch_id, partitions, fmt="parquet"):
        result = real(frame, table, batch_id, partitions, fmt)
        FakePath.fs.create(f"s3://{FakePath(table).bucket}/audit/{batch_id}", True)
        return result

    stub = types.ModuleType("anomaly.sinks")
    stub.write_batch = wider
    monkeypatch.setattr(sys.modules[__name__], "load_sinks", lambda _mp: stub)
    statements = policy_statements(ephemeral, role_of(job["role_arn"]))
    requests = derived_requests(job, monkeypatch)
    assert any(r.key.startswith("audit/") and not allowing(statements, r) for r in requests)


@pytest.mark.parametrize("table", sorted(table_writes()))
def test_every_table_the_job_writes_has_its_path_argument(ephemeral, table):
    args = next(iter(ephemeral.resources("aws_glue_job").values()))["default_arguments"]
    assert args[f"--{table_arguments()[table]}"].startswith("s3://${aws_s3_bucket.")
