"""Bad gate input gets one line and exit 2, never a traceback, never a pass on input the gate could not read.

Hypothesis puts wrong JSON types at every level of a stack document (the document, a section, a type's map, a
block, cdktf's metadata, the suppressions, an attribute), removes sections, and writes huge values; and cuts the
file short anywhere."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.__main__ import main
from policies.fixtures import KEY, KEY_REF, bucket, doc, merge

BASE = doc(
    merge(
        bucket(
            "b",
            server_side_encryption_configuration={
                "rule": [
                    {
                        "apply_server_side_encryption_by_default": {
                            "sse_algorithm": "aws:kms",
                            "kms_master_key_id": KEY_REF,
                        }
                    }
                ]
            },
        ),
        KEY,
        {"aws_sqs_queue": {"q": {"name": "q", "kms_master_key_id": KEY_REF, "tags": {"Owner": "o"}}}},
    )
)
BASE["//"] = {
    "metadata": {"stackName": "s"},
    "guardrails": {
        "suppressions": [{"rule_id": "S3-LOG-001", "path": "s/b", "reason": "fixture: a reasoned suppression"}]
    },
}
for items in BASE["resource"].values():
    for name, config in items.items():
        config["//"] = {"metadata": {"path": f"s/{name}", "uniqueId": name}}

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
HUGE_SCALARS = st.sampled_from(["x" * 200_000, 10**400, [[[[[[[[[[[]]]]]]]]]]]])
HUGE = HUGE_SCALARS | st.just({"k": "v" * 50_000})
NOT_AN_OBJECT = (
    st.none() | st.booleans() | st.integers() | st.text(max_size=10) | st.lists(JSON, max_size=2) | HUGE_SCALARS
)
# Paths whose value must be an object for the document to be a stack (the gate refuses anything else)
STRUCTURAL = [
    (),
    ("resource",),
    ("data",),
    ("provider",),
    ("//",),
    ("resource", "aws_s3_bucket"),
    ("resource", "aws_sqs_queue"),
    ("resource", "aws_s3_bucket", "b"),
    ("resource", "aws_kms_key", "k"),
    ("resource", "aws_sqs_queue", "q", "//"),
    ("data", "aws_caller_identity"),
]
ATTRIBUTES = [
    ("resource", "aws_s3_bucket", "b", "bucket"),
    ("resource", "aws_sqs_queue", "q", "tags"),
    ("resource", "aws_sqs_queue", "q", "kms_master_key_id"),
    ("resource", "aws_kms_key", "k", "enable_key_rotation"),
    (
        "resource",
        "aws_s3_bucket_server_side_encryption_configuration",
        "b_server_side_encryption_configuration",
        "rule",
    ),
    ("provider", "aws"),
]


def _set(document, path, value):
    if not path:
        return value
    target = document
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    return document


def _gate(tmp_path: Path, text: str, capsys) -> tuple[int, list[str]]:
    stack = tmp_path / "out" / "stacks" / "s"
    stack.mkdir(parents=True, exist_ok=True)
    (stack / "cdk.tf.json").write_text(text)
    capsys.readouterr()
    code = main(["check", str(tmp_path / "out"), "--out", str(tmp_path / "reports")])
    return code, [line for line in capsys.readouterr().err.splitlines() if line]


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(path=st.sampled_from(STRUCTURAL), value=NOT_AN_OBJECT)
def test_a_wrong_type_where_an_object_belongs_is_one_line_and_exit_2(tmp_path, capsys, path, value):
    document = _set(copy.deepcopy(BASE), path, value)
    code, err = _gate(tmp_path, json.dumps(document), capsys)
    assert code == 2 and len(err) == 1 and err[0].startswith("error: ") and "Traceback" not in err[0], err


@SETTINGS
@given(path=st.sampled_from(ATTRIBUTES), value=JSON | HUGE)
def test_any_value_of_an_attribute_is_judged_never_a_crash(tmp_path, capsys, path, value):
    document = _set(copy.deepcopy(BASE), path, value)
    code, err = _gate(tmp_path, json.dumps(document), capsys)
    assert code in (0, 1, 2), err
    assert not any("Traceback" in line or "broke" in line for line in err), err
    if code == 2:  # only when the value makes the document unreadable, in one line
        assert len(err) == 1 and err[0].startswith("error: "), err
    else:
        findings = json.loads((tmp_path / "reports" / "findings.json").read_text())["findings"]
        unread = [f for f in findings if "could not evaluate" in f["message"]]
        assert not [f for f in unread if f["status"] in ("passed", "waived")]  # never a pass it could not read
        assert code == 1 or not [f for f in unread if f["status"] == "failed"]


@SETTINGS
@given(section=st.sampled_from(["resource", "provider", "//", "data"]))
def test_a_missing_section_is_still_judged(tmp_path, capsys, section):
    document = copy.deepcopy(BASE)
    document.pop(section, None)
    code, err = _gate(tmp_path, json.dumps(document), capsys)
    assert code in (0, 1) and not any("Traceback" in line for line in err), err
    if section == "provider":  # no default_tags: the bucket and the queue lose their required tags
        assert code == 1


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=len(json.dumps(BASE, indent=2)) - 2))
def test_a_truncated_file_is_one_line_and_exit_2(tmp_path, capsys, cut):
    text = json.dumps(BASE, indent=2)[:cut]
    code, err = _gate(tmp_path, text, capsys)
    assert code == 2 and len(err) == 1 and err[0].startswith("error: "), err


def test_corrupt_bytes_and_bad_suppressions_are_refused(tmp_path, capsys):
    stack = tmp_path / "out" / "stacks" / "s"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_bytes(b'{"resource": {"\xff\xfe": {}}}')
    assert main(["check", str(tmp_path / "out")]) == 2
    for suppressions in ([{"rule_id": "S3-LOG-001", "path": "s/b", "reason": "thin"}], [{"path": "s/b"}], {"a": 1}):
        document = copy.deepcopy(BASE)
        document["//"]["guardrails"]["suppressions"] = suppressions
        (stack / "cdk.tf.json").write_text(json.dumps(document))
        assert main(["check", str(tmp_path / "out"), "--out", str(tmp_path / "r")]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(err) == 4 and all(line.startswith("error: ") for line in err), err


def _manifest(out: Path, *names: str) -> None:
    stacks = {n: {"name": n, "synthesizedStackPath": f"stacks/{n}/cdk.tf.json"} for n in names}
    (out / "manifest.json").write_text(json.dumps({"stacks": stacks, "version": "0.21.0"}))


def test_only_the_stacks_the_last_synth_listed_are_judged(tmp_path, capsys):
    """cdktf leaves the folder of a stack an earlier synth wrote (another suffix): its manifest says what the last
    synth produced. A stale stack is named in a note and not judged; a listed stack without its file is refused."""
    out = tmp_path / "out"
    for name in ("current", "stale"):
        (out / "stacks" / name).mkdir(parents=True)
        (out / "stacks" / name / "cdk.tf.json").write_text(json.dumps(BASE))
    _manifest(out, "current")
    capsys.readouterr()
    main(["check", str(out), "--out", str(tmp_path / "reports")])
    err = capsys.readouterr().err
    assert "stacks/{stale} not in" in err
    findings = json.loads((tmp_path / "reports" / "findings.json").read_text())
    assert {f["stack"] for f in findings["findings"]} == {"current"}

    _manifest(out, "current", "gone")
    assert main(["check", str(out), "--out", str(tmp_path / "reports")]) == 2
    assert "lists gone but stacks/<name>/cdk.tf.json is missing" in capsys.readouterr().err

    _manifest(out)
    assert main(["check", str(out), "--out", str(tmp_path / "reports")]) == 2
    assert "manifest.json lists no stack" in capsys.readouterr().err

    (out / "manifest.json").write_text("{not json")
    assert main(["check", str(out), "--out", str(tmp_path / "reports")]) == 2
    assert "unreadable cdktf manifest" in capsys.readouterr().err
