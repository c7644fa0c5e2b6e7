"""Deploy after the gate.

python -m infra.deploy local [--suffix S] [--tests CMD] [--keep]   moto server on loopback: synth, gate, apply,
                                                                   flat outputs, integration tests, destroy,
                                                                   leftover check (skips loudly without terraform)
python -m infra.deploy aws [--profile P]                           gate, then cdktf deploy, then flat outputs
python -m infra.deploy destroy                                     cdktf destroy
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from infra.deploy.emulator import EMULATOR_CREDENTIALS, moto_server, seed
from infra.deploy.leftovers import leftovers
from infra.deploy.local_target import EXCLUSIONS, apply_exclusions, releases
from infra.deploy.outputs import write_flat_outputs
from infra.deploy.terraform import DeployError, Terraform, missing_tools

PROJECT = Path(__file__).resolve().parents[2]
FLAT_OUTPUTS = PROJECT / "cfn-outputs" / "flat-outputs.json"
REGION = "eu-central-1"


def _python(*args: str, env: dict[str, str] | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise DeployError(
            f"`python {' '.join(args)}` failed ({done.returncode}):\n{(done.stderr or done.stdout)[-3000:]}"
        )
    return done


def gate(outdir: Path, suffix: str, profile: str, reports: Path) -> None:
    """Synthesize with Guardrails and run the compliance gate; any failure stops the deploy."""
    _python("-m", "infra", "--environment-suffix", suffix, "--profile", profile, "--outdir", str(outdir))
    _python("-m", "compliance", "check", str(outdir), "--out", str(reports), "--profile", profile)
    print(f"gate passed for {suffix} ({profile}); reports in {reports}")


def deploy_local(suffix: str, tests: str | None, keep: bool) -> int:
    missing = missing_tools()
    if missing:
        print("!" * 100)
        print("!! LOCAL DEPLOY SKIPPED: " + "; ".join(missing))
        print("!! The emulator apply, integration tests and destroy did not run in this environment.")
        print("!" * 100)
        return 0
    build = PROJECT / "build" / "local"
    shutil.rmtree(build, ignore_errors=True)
    (PROJECT / "state").mkdir(exist_ok=True)
    report: dict = {
        "target": "local emulator (moto server on 127.0.0.1) - not a real AWS deployment",
        "suffix": suffix,
        "exclusions": [],
    }
    gate(build / "real", suffix, "ephemeral", build / "gate-reports")
    with moto_server(str(build / "moto.log")) as endpoint:
        env = {**EMULATOR_CREDENTIALS, "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "AWS_ENDPOINT_URL": endpoint}
        mes_secret = f"iotsp/{suffix}/mes-api-key"
        seed(endpoint, REGION, mes_secret)
        _python(
            "-m",
            "infra",
            "--environment-suffix",
            suffix,
            "--emulator-endpoint",
            endpoint,
            "--outdir",
            str(build / "emulator"),
        )
        stack_dir = next((build / "emulator" / "stacks").iterdir())
        synthesized = stack_dir / "cdk.tf.json"
        local, removed = apply_exclusions(json.loads(synthesized.read_text()))
        synthesized.write_text(json.dumps(local, indent=2))
        report["exclusions"] = removed
        print(f"emulator target: {len(removed)} resource(s) left out, by type:")
        for exclusion in EXCLUSIONS:
            count = sum(r["address"].startswith(exclusion.resource_type + ".") for r in removed)
            if count:
                print(f"  - {exclusion.resource_type} x{count}: {exclusion.reason}")
        for r in removed:
            if r["address"].startswith("output."):
                print(f"  - {r['address']}: {r['reason']}")
        state_file = (stack_dir / local["terraform"]["backend"]["local"]["path"]).resolve()
        state_file.unlink(missing_ok=True)
        tf = Terraform.offline(stack_dir, env)
        tf.run("init", "-backend=true", "-input=false")
        failures: list[str] = []
        started = time.perf_counter()
        try:
            tf.run("apply", "-auto-approve", "-input=false", "-parallelism=10", timeout=2400)
            report["apply_seconds"] = round(time.perf_counter() - started, 1)
            print(f"apply on the emulator: {report['apply_seconds']} s")
            dropped = {r["address"].split(".", 1)[1] for r in removed if r["address"].startswith("output.")}
            write_flat_outputs(tf.outputs(), FLAT_OUTPUTS, may_be_missing=dropped)
            if tests:
                test_env = {
                    **os.environ,
                    **env,
                    "PLATFORM_TARGET": "emulator",
                    "PLATFORM_DROPPED_OUTPUTS": ",".join(sorted(dropped)),
                }
                run = subprocess.run(shlex.split(tests), cwd=PROJECT, env=test_env)
                report["integration_tests_exit"] = run.returncode
                if run.returncode != 0:
                    failures.append(f"integration tests exited {run.returncode}")
        except DeployError as error:
            failures.append(str(error))
        finally:
            if not keep:
                released = releases(tf.state_list(), local)
                for item in released:
                    tf.run("state", "rm", item["address"])
                    print(f"released before destroy (emulator gap): {item['address']}: {item['reason']}")
                report["released_before_destroy"] = released
                started = time.perf_counter()
                try:
                    tf.run("destroy", "-auto-approve", "-input=false", "-parallelism=10", timeout=2400)
                    report["destroy_seconds"] = round(time.perf_counter() - started, 1)
                    print(f"destroy on the emulator: {report['destroy_seconds']} s")
                except DeployError as error:
                    failures.append(str(error))
                left = leftovers(
                    endpoint,
                    REGION,
                    suffix,
                    ignore_secret_names={mes_secret},
                    released_names={item["name"] for item in released if item["name"]},
                )
                report["leftovers"] = left
                if left:
                    failures.append("left behind after destroy: " + ", ".join(left))
                FLAT_OUTPUTS.unlink(missing_ok=True)
    report["failures"] = failures
    (build / "report.json").write_text(json.dumps(report, indent=2))
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    print(f"local deploy {'FAILED' if failures else 'PASSED'}; report in {build / 'report.json'}")
    return 1 if failures else 0


def cdktf_cli() -> list[str]:
    """The cdktf-cli pinned in package.json (installed on first use), never whatever npx would fetch."""
    binary = PROJECT / "node_modules" / ".bin" / "cdktf"
    if not binary.exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=PROJECT, check=True)
    return [str(binary)]


def deploy_aws(profile: str) -> int:
    if not shutil.which("npm") or missing_tools()[:1] == ["terraform is not on PATH"]:
        print("error: deploying needs terraform and Node.js (npm) on PATH", file=sys.stderr)
        return 2
    try:
        import boto3

        boto3.client("sts").get_caller_identity()
    except Exception:
        print(
            "error: no usable AWS credentials (configure a profile or environment credentials first)", file=sys.stderr
        )
        return 2
    suffix = os.environ.get("ENVIRONMENT_SUFFIX", "dev")
    gate(PROJECT / "cdktf.out", suffix, profile, PROJECT / "reports")
    outputs_file = PROJECT / "cfn-outputs" / "cdktf-outputs.json"
    done = subprocess.run(
        [*cdktf_cli(), "deploy", "--auto-approve", "--skip-synth", "--outputs-file", str(outputs_file)], cwd=PROJECT
    )
    if done.returncode != 0:
        return done.returncode
    raw = json.loads((PROJECT / "cfn-outputs" / "cdktf-outputs.json").read_text())
    flat = {k: str(v) for stack in raw.values() for k, v in stack.items()}
    write_flat_outputs(flat, FLAT_OUTPUTS)
    print(f"deployed; outputs in {FLAT_OUTPUTS}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy")
    commands = parser.add_subparsers(dest="command", required=True)
    local = commands.add_parser("local")
    local.add_argument("--suffix", default="local-ci")
    local.add_argument(
        "--tests-python",
        help="interpreter that runs tests/integration (the job env has pyspark for "
        "the end-to-end step); default: this one",
    )
    local.add_argument("--keep", action="store_true", help="leave the emulator deployment for inspection")
    aws = commands.add_parser("aws")
    aws.add_argument("--profile", default=os.environ.get("PLATFORM_PROFILE", "ephemeral"))
    commands.add_parser("destroy")
    args = parser.parse_args(argv)
    try:
        if args.command == "local":
            python = args.tests_python if args.tests_python and Path(args.tests_python).exists() else sys.executable
            if args.tests_python and python != args.tests_python:
                print(f"warning: {args.tests_python} not found; integration tests run with {python}")
            tests = f"{shlex.quote(python)} -m pytest tests/integration -p no:cacheprovider -ra"
            return deploy_local(args.suffix, tests, args.keep)
        if args.command == "aws":
            return deploy_aws(args.profile)
        return subprocess.run([*cdktf_cli(), "destroy", "--auto-approve"], cwd=PROJECT).returncode
    except DeployError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
