"""Deploy after the gate.

python -m infra.deploy local [--suffix S] [--keep] [--no-mutations]   moto server on loopback: gate, apply every
                                                                       stack in order, flat outputs, integration
                                                                       tests and mutations, destroy, leftover check
python -m infra.deploy stop-local                                      stop an emulator `local --keep` left running
python -m infra.deploy aws [--profile P]                               gate, then cdktf deploy, then flat outputs
python -m infra.deploy baseline                                        gate, then cdktf deploy of the account baseline
python -m infra.deploy destroy                                         stop the streaming jobs, then cdktf destroy
python -m infra.deploy exclusions                                      the emulator's exclusion tables (docs/deploy.md)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys

from infra.deploy.jobs import stop_streaming_jobs
from infra.deploy.local import BASELINE, PROJECT, deploy_local, gate, stop_kept
from infra.deploy.local_target import exclusions_markdown
from infra.deploy.outputs import (
    FLAT_OUTPUTS,
    OUTPUTS_DIR,
    read_target,
    remove_outputs,
    write_flat_outputs,
    write_target,
)
from infra.deploy.terraform import DeployError


def cdktf_cli() -> list[str]:
    """The cdktf-cli pinned in package.json (installed on first use), never whatever npx would fetch."""
    binary = PROJECT / "node_modules" / ".bin" / "cdktf"
    if not binary.exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=PROJECT, check=True)
    return [str(binary)]


def aws_ready() -> str | None:
    """Why a deploy to (or destroy on) AWS cannot run here, in one line; None when it can."""
    missing = [tool for tool in ("terraform", "npm") if not shutil.which(tool)]
    if missing:
        return f"{' and '.join(missing)} not on PATH: deploying to AWS needs terraform and Node.js (npm)"
    try:
        import boto3

        boto3.client("sts").get_caller_identity()
    except Exception as error:  # no credentials, expired ones, no network: all mean the same to the user
        return f"no usable AWS credentials ({type(error).__name__}): configure a profile or environment credentials"
    return None


def deploy_aws(profile: str) -> int:
    problem = aws_ready()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if read_target()["target"] == "emulator" and FLAT_OUTPUTS.is_file():
        remove_outputs()  # a kept emulator's outputs must never describe an AWS deployment
    suffix = os.environ.get("ENVIRONMENT_SUFFIX", "dev")
    gate(PROJECT / "cdktf.out", suffix, profile, PROJECT / "reports")
    outputs_file = OUTPUTS_DIR / "cdktf-outputs.json"
    done = subprocess.run(
        [*cdktf_cli(), "deploy", "--auto-approve", "--skip-synth", "--outputs-file", str(outputs_file)], cwd=PROJECT
    )
    if done.returncode != 0:
        return done.returncode
    raw = json.loads(outputs_file.read_text())
    flat = {k: str(v) for stack in raw.values() for k, v in stack.items()}
    write_flat_outputs(flat, FLAT_OUTPUTS)
    write_target({"target": "aws", "region": flat.get("region", "")})
    print(f"deployed; outputs in {FLAT_OUTPUTS}")
    return 0


def deploy_baseline() -> int:
    """The account baseline, once per account and region: its gate (production rules), then cdktf deploy."""
    problem = aws_ready()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    region = os.environ.get("AWS_REGION", "eu-central-1")
    outdir = PROJECT / "cdktf.out.baseline"
    gate(outdir, os.environ.get("ENVIRONMENT_SUFFIX", "dev"), "production", PROJECT / "reports" / BASELINE, BASELINE)
    stack = f"iot-account-baseline-{region}"
    command = [*cdktf_cli(), "deploy", "--skip-synth", "--output", str(outdir), "--auto-approve", stack]
    return subprocess.run(command, cwd=PROJECT).returncode


def destroy_aws(clients=None, outputs_file=None) -> int:
    problem = aws_ready()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    stop_jobs(outputs_file, clients)
    done = subprocess.run([*cdktf_cli(), "destroy", "--auto-approve"], cwd=PROJECT)
    if done.returncode == 0:
        remove_outputs()
    return done.returncode


def stop_jobs(outputs_file=None, clients=None) -> None:
    """Stop the deployed environment's streaming jobs before its destroy (infra.deploy.jobs says why)."""
    outputs_file = outputs_file or FLAT_OUTPUTS
    if read_target(outputs_file.parent / "target.json")["target"] != "aws" or not outputs_file.is_file():
        print(f"warning: no AWS outputs at {outputs_file}: streaming jobs not stopped before destroy", file=sys.stderr)
        return
    keeper = json.loads(outputs_file.read_text()).get("jobKeeperLambdaName")
    if not keeper:
        print(f"warning: {outputs_file} names no jobKeeperLambdaName: jobs not stopped before destroy", file=sys.stderr)
        return
    if clients is None:
        import boto3

        clients = [boto3.client(name) for name in ("lambda", "events", "glue")]
    result = stop_streaming_jobs(keeper, *clients)
    print(f"before destroy: disabled {len(result['disabled'])} keeper rules, stopped {len(result['stopped'])} job runs")


def main(argv: list[str] | None = None) -> int:
    getattr(sys.stdout, "reconfigure", lambda **_: None)(
        line_buffering=True
    )  # progress lines interleave with terraform's and pytest's output
    parser = argparse.ArgumentParser(prog="python -m infra.deploy")
    commands = parser.add_subparsers(dest="command", required=True)
    local = commands.add_parser("local")
    local.add_argument("--suffix", default="local-ci")
    local.add_argument(
        "--tests-python",
        default=sys.executable,
        help="interpreter that runs tests/integration (it needs the job's Spark stack); default: this one",
    )
    local.add_argument(
        "--keep", action="store_true", help="leave the emulator running with the stack (prints the stop command)"
    )
    local.add_argument("--no-mutations", action="store_true", help="skip breaking each resource after the tests")
    commands.add_parser("stop-local")
    aws = commands.add_parser("aws")
    aws.add_argument("--profile", default=os.environ.get("PLATFORM_PROFILE", "ephemeral"))
    commands.add_parser("baseline")
    commands.add_parser("destroy")
    commands.add_parser("exclusions")
    args = parser.parse_args(argv)
    try:
        if args.command == "local":
            if not shutil.which(args.tests_python) and not os.path.isfile(args.tests_python):
                print(f"error: --tests-python {args.tests_python}: no such interpreter", file=sys.stderr)
                return 2
            return deploy_local(args.suffix, args.tests_python, keep=args.keep, mutations=not args.no_mutations)
        if args.command == "stop-local":
            stop_kept()
            return 0
        if args.command == "aws":
            return deploy_aws(args.profile)
        if args.command == "baseline":
            return deploy_baseline()
        if args.command == "exclusions":
            print(exclusions_markdown(), end="")
            return 0
        return destroy_aws()
    except DeployError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
