"""Every integration test states what it proves and names the mutation that must make it fail: a change to the
deployed resource that a wrong stack would have. `python -m tests.integration.mutations` (run by the local deploy
after the tests pass) applies each mutation the emulator can host, runs that one test and expects it to FAIL,
restores the resource and expects it to pass again. A test the emulator cannot host says why instead.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "tests.integration"
HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]

# apply(outputs, aws) breaks the deployment and returns the function that restores it.
Apply = Callable[[dict, Callable], Callable[[], None]]


@dataclass(frozen=True)
class Mutation:
    description: str
    apply: Apply


def mutation(description: str, apply: Apply):
    """The change to the deployed resource that this test must catch."""

    def mark(test):
        test.mutation = Mutation(description, apply)
        return test

    return mark


def bucket_on_sse_s3(bucket_output: str) -> Apply:
    """A mutation: the bucket an output names falls back to SSE-S3 default encryption (AWS's key, not ours)."""

    def apply(outputs, aws):
        s3, bucket = aws("s3"), outputs[bucket_output]
        saved = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
        sse_s3 = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=sse_s3)
        return lambda: s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=saved)

    return apply


def aws_only(reason: str):
    """The test proves what only real AWS can show: skipped on the emulator with the reason, so no mutation runs."""
    import pytest

    from tests.integration.conftest import ON_EMULATOR

    def mark(test):
        test.aws_only = reason
        return pytest.mark.skipif(ON_EMULATOR, reason=f"emulator gap: {reason}")(test)

    return mark


def integration_tests() -> list[tuple[str, Callable]]:
    """(pytest node id, function) of every test in tests/integration."""
    found = []
    for info in pkgutil.iter_modules([str(HERE)]):
        if not info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"{PACKAGE}.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_") and function.__module__ == module.__name__:
                found.append((f"tests/integration/{info.name}.py::{name}", function))
    return found


def contract_problems() -> list[str]:
    """A test that does not say what it proves, or neither names a mutation nor says why the emulator cannot host
    one, is a defect: it could pass on a wrong stack unnoticed."""
    problems = []
    for node, test in integration_tests():
        if not (test.__doc__ or "").strip():
            problems.append(f"{node}: no docstring saying what it proves")
        has_mutation, aws_reason = hasattr(test, "mutation"), getattr(test, "aws_only", None)
        if has_mutation == bool(aws_reason):
            problems.append(f"{node}: needs exactly one of @mutation(...) or @aws_only(reason)")
    return problems


def run_one(nodes: list[str], junit: Path) -> dict[str, tuple[str, str]]:
    """Run tests in a fresh process: node id -> ('passed' | 'failed' | 'error' | 'skipped', first message line)."""
    subprocess.run(
        [sys.executable, "-m", "pytest", *nodes, "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    results = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        node = case.get("classname", "").replace(".", "/") + ".py::" + case.get("name", "")
        results[node] = ("passed", "")
        for outcome in ("failure", "error", "skipped"):
            element = case.find(outcome)
            if element is not None:
                lines = (element.get("message") or element.text or "").strip().splitlines()
                results[node] = ({"failure": "failed"}.get(outcome, outcome), (lines[0] if lines else "")[:240])
                break
    for node in nodes:
        if "::" in node and node not in results:
            results[node] = ("error", "the test was not collected")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.integration.mutations")
    parser.add_argument("--report", type=Path, help="write the results as JSON here")
    parser.add_argument("-k", dest="only", help="run only mutations of tests whose node id contains this")
    args = parser.parse_args(argv)
    problems = contract_problems()
    if problems:
        print("integration tests without a stated proof or mutation:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    from tests.integration.conftest import ON_EMULATOR, TARGET, clients, load_outputs

    if not ON_EMULATOR:
        print("error: mutations break the deployment; they run only against the local emulator", file=sys.stderr)
        return 2
    outputs = load_outputs()
    aws = clients(TARGET, outputs["region"])
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for node, test in integration_tests():
            if args.only and args.only not in node:
                continue
            if not hasattr(test, "mutation"):
                results.append({"test": node, "mutation": None, "why_not": test.aws_only})
                continue
            started = time.perf_counter()
            restore = test.mutation.apply(outputs, aws)
            try:
                outcome, message = run_one([node], Path(tmp) / "broken.xml")[node]
            finally:
                restore()
            killed = outcome == "failed"
            results.append(
                {
                    "test": node,
                    "mutation": test.mutation.description,
                    "with_mutation": outcome,
                    "message": message,
                    "killed": killed,
                    "seconds": round(time.perf_counter() - started, 1),
                }
            )
            print(f"{'killed' if killed else 'SURVIVED':9} {node}\n          mutation: {test.mutation.description}")
            print(f"          with it: {outcome} ({message})")
        # Every resource restored: the whole suite passes again (a restore that failed would show here).
        after = run_one(["tests/integration"], Path(tmp) / "restored.xml")
        not_passing = {node: result for node, result in after.items() if result[0] not in ("passed", "skipped")}
        for node, (outcome, message) in not_passing.items():
            print(f"after restoring every mutation: {node} {outcome} ({message})")
    if args.report:
        args.report.write_text(json.dumps(results, indent=2))
    ran = [r for r in results if r["mutation"]]
    survived = [r["test"] for r in ran if not r["killed"]]
    print(
        f"mutations: {len(ran) - len(survived)} of {len(ran)} killed; "
        f"{len(results) - len(ran)} test(s) AWS only (no emulator mutation); "
        f"after restoring: {'all tests pass' if not not_passing else f'{len(not_passing)} not passing'}"
    )
    for r in results:
        if not r["mutation"]:
            print(f"  AWS only: {r['test']}: {r['why_not']}")
    return 1 if survived or not_passing else 0


if __name__ == "__main__":
    sys.exit(main())
