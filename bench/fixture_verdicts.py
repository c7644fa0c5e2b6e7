"""The gate's verdicts on every rule fixture, before and after a change: each form judged as its own stack.

python bench/fixture_verdicts.py [--before COMMIT] [--json FILE]

Every failing and passing form of every rule (tests/policies/fixture_forms) is written as one stack of a cdktf output
folder (one folder per profile), and `python -m compliance check` runs once per folder in this tree and once in a
`git archive` copy of COMMIT (default e364b91, the gate before issue #18). For each form it reports the status the
form's own rule got on the form's subject (failed / passed / waived / missing) and whether the stack as a whole
fails the gate (any failing finding: a passing form that fails the gate is a false alarm for whoever writes it).
An earlier gate's statuses are read as today's (findings schema version 1: advisory -> warning, exempt and
replaced -> waived), and every finding of every form is compared status by status.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from compliance.findings import upgrade  # noqa: E402  (after the project is on the path)

ENV = {
    **os.environ,
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
}


def write_forms(root: Path) -> dict[str, dict]:
    """One stack per form under root/<profile>/stacks/<id>; returns id -> what the form expects."""
    from tests.policies.fixture_forms import CASES, FORMS, profile_of

    expected: dict[str, dict] = {}
    for rule_id, kind, index in CASES:
        form = FORMS[rule_id][kind][index]
        profile = profile_of(rule_id, form)
        name = f"{rule_id}-{kind}-{index}".lower()
        folder = root / profile / "stacks" / name
        folder.mkdir(parents=True)
        (folder / "cdk.tf.json").write_text(json.dumps(form.document))
        expected[name] = {"rule": rule_id, "kind": kind, "form": form.form, "subject": form.subject, "profile": profile}
    for profile_dir in root.iterdir():
        stacks = {p.name: {"name": p.name} for p in (profile_dir / "stacks").iterdir()}
        (profile_dir / "manifest.json").write_text(json.dumps({"stacks": stacks, "version": "0.21.0"}))
    return expected


def gate(project: Path, root: Path, label: str) -> dict[str, list[dict]]:
    """stack -> its findings, from one gate run per profile folder in `project`."""
    by_stack: dict[str, list[dict]] = collections.defaultdict(list)
    for profile_dir in sorted(root.iterdir()):
        reports = root.parent / f"reports-{label}-{profile_dir.name}"
        args = [sys.executable, "-m", "compliance", "check", str(profile_dir), "--out", str(reports)]
        done = subprocess.run(
            [*args, "--profile", profile_dir.name],
            cwd=project,
            env={**ENV, "PYTHONPATH": str(project)},
            capture_output=True,
            text=True,
        )
        if done.returncode not in (0, 1):
            raise SystemExit(f"{label}: the gate could not run ({done.returncode}): {done.stderr[-2000:]}")
        for finding in upgrade(json.loads((reports / "findings.json").read_text()))["findings"]:
            by_stack[finding["stack"]].append(finding)
    return by_stack


def verdict(findings: list[dict], case: dict) -> tuple[str, bool]:
    subject = case["subject"].removeprefix("data.")
    mine = [
        f["status"]
        for f in findings
        if f["rule_id"] == case["rule"] and f["resource"].removeprefix("data.").endswith(subject)
    ]
    status = "failed" if "failed" in mine else (mine[0] if mine else "missing")
    return status, any(f["status"] == "failed" for f in findings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="e364b91")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        expected = write_forms(work / "forms")
        before_tree = work / "before"
        before_tree.mkdir()
        archive = subprocess.run(["git", "archive", args.before], cwd=PROJECT, capture_output=True, check=True)
        (work / "before.tar").write_bytes(archive.stdout)
        with tarfile.open(work / "before.tar") as tar:
            tar.extractall(before_tree, filter="data")
        results = {
            "before": gate(before_tree, work / "forms", "before"),
            "after": gate(PROJECT, work / "forms", "after"),
        }
    rows = []
    for name, case in sorted(expected.items()):
        row = {"stack": name, **case}
        for label, by_stack in results.items():
            row[f"{label}_rule"], row[f"{label}_gate_fails"] = verdict(by_stack.get(name, []), case)
        rows.append(row)
    summary: dict[str, dict] = {}
    for label in results:
        good = {"fail": ("failed",), "pass": ("passed", "waived")}
        right = sum(r[f"{label}_rule"] in good[r["kind"]] for r in rows)
        summary[label] = {
            "forms": len(rows),
            "rule_right": right,
            "fail_forms_gate_fails": sum(r[f"{label}_gate_fails"] for r in rows if r["kind"] == "fail"),
            "pass_forms_gate_fails": sum(r[f"{label}_gate_fails"] for r in rows if r["kind"] == "pass"),
            "rule_statuses": dict(collections.Counter(r[f"{label}_rule"] for r in rows)),
        }
    changed = [
        r for r in rows if (r["before_rule"], r["before_gate_fails"]) != (r["after_rule"], r["after_gate_fails"])
    ]
    findings = {
        label: {(stack, f["rule_id"], f["resource"]): f["status"] for stack, found in by_stack.items() for f in found}
        for label, by_stack in results.items()
    }
    pairs = sorted(set(findings["before"]) | set(findings["after"]))
    moved = collections.Counter(
        (findings["before"].get(p, "absent"), findings["after"].get(p, "absent"))
        for p in pairs
        if findings["before"].get(p) != findings["after"].get(p)
    )
    summary["findings"] = {
        "pairs": len(pairs),
        "same_status": len(pairs) - sum(moved.values()),
        "changed": {f"{a} -> {b}": n for (a, b), n in sorted(moved.items())},
    }
    report = {"before": args.before, "summary": summary, "changed": changed}
    if args.json:
        args.json.write_text(json.dumps({**report, "rows": rows}, indent=2))
    print(json.dumps(report["summary"], indent=2))
    print(f"{len(changed)} of {len(rows)} forms changed verdict (rule status or gate verdict):")
    for r in changed:
        print(
            f"  {r['stack']:28} {r['kind']:4} rule {r['before_rule']:>7} -> {r['after_rule']:<7} "
            f"gate {'FAIL' if r['before_gate_fails'] else 'pass'} -> {'FAIL' if r['after_gate_fails'] else 'pass'}"
            f"  ({r['form']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
