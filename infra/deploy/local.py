"""The local deploy: gate, then every synthesized stack applied to a moto server in order (the account baseline
first), flat outputs, the integration tests and their mutations, destroy in reverse order, then the leftover and
account-singleton checks. An emulator run is never a real deployment, and its report says so."""

from __future__ import annotations

import json
import os
import resource
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from infra.deploy.emulator import EMULATOR_CREDENTIALS, moto_server, seed, stop
from infra.deploy.leftovers import SINGLETON_TYPES, account_singletons, changed_singletons, leftovers
from infra.deploy.local_target import EXCLUSIONS, emulator_target, releases
from infra.deploy.outputs import FLAT_OUTPUTS, read_target, remove_outputs, write_flat_outputs, write_target
from infra.deploy.terraform import DeployError, ProviderSource, Terraform, provider_source
from policies.metadata import ACCOUNT_BASELINE as BASELINE
from policies.metadata import ENVIRONMENT, stack_kind

PROJECT = Path(__file__).resolve().parents[2]
BUILD = PROJECT / "build" / "local"
REGION = "eu-central-1"
# Set only by .ci/run: there, a machine that cannot deploy is reported with a banner instead of failing the run.
TOLERATE = "CI_TOLERATE_MISSING_LOCAL_DEPLOY"


class Clock:
    """Wall and CPU seconds (this process and its children) per phase, with the machine's load beside them."""

    def __init__(self) -> None:
        self.phases: dict[str, dict[str, float]] = {}

    @staticmethod
    def _cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    @contextmanager
    def time(self, phase: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), self._cpu()
        try:
            yield
        finally:
            self.phases[phase] = {"wall_s": round(time.perf_counter() - wall, 1), "cpu_s": round(self._cpu() - cpu, 1)}
            print(f"{phase}: {self.phases[phase]['wall_s']} s wall, {self.phases[phase]['cpu_s']} s CPU")


def machine_speed() -> dict[str, float]:
    """A fixed pure-Python loop's time and the load average: how busy the 2 shared cores were during the run."""
    started = time.perf_counter()
    sum(i * i for i in range(2_000_000))
    return {"probe_s": round(time.perf_counter() - started, 3), "loadavg_1m": round(os.getloadavg()[0], 2)}


def banner(lines: list[str]) -> None:
    print("!" * 100)
    for line in lines:
        print(f"!! {line}")
    print("!" * 100)


def run_python(*args: str, env: dict[str, str] | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
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


def gate_commands(outdir: Path, suffix: str, profile: str, reports: Path, kind: str) -> list[list[str]]:
    """The python arguments of the gate: the synth of one app with Guardrails and the compliance check of its
    output, in one process (the commands of `tox -e compliance`, which the README doc test holds equal)."""
    app = ["--stack", kind] if kind != ENVIRONMENT else []
    gate = ["-m", "compliance", "check", str(outdir), "--synth", "--out", str(reports), "--profile", profile]
    return [[*gate, "--", "--environment-suffix", suffix, *app]]


def gate(outdir: Path, suffix: str, profile: str, reports: Path, kind: str = "environment") -> None:
    """Synthesize one app (an environment, or the account baseline) with Guardrails and run the compliance gate
    on it; any failure stops the deploy."""
    for args in gate_commands(outdir, suffix, profile, reports, kind):
        run_python(*args)
    print(f"gate passed for the {kind} ({suffix}, {profile}); reports in {reports}")


# The apps a local deploy synthesizes and gates, with the profile each is judged by: the baseline is long-lived
# and always takes the production posture.
APPS = ((BASELINE, "production"), (ENVIRONMENT, "ephemeral"))


@dataclass
class LocalStack:
    name: str
    kind: str
    synthesized: Path  # the gate's synth output (never changed)
    workdir: Path  # the emulator's copy
    document: dict = field(default_factory=dict)
    removed: list[dict] = field(default_factory=list)
    tf: Terraform | None = None


def stack_order(outdirs: list[Path]) -> list[tuple[str, str, Path]]:
    """(name, kind, folder) of every stack in the synth outputs: dependencies first, the account baseline before
    environments; destroy walks the list backwards."""
    stacks = {}
    for outdir in outdirs:
        for name, entry in json.loads((outdir / "manifest.json").read_text())["stacks"].items():
            document = json.loads((outdir / entry["synthesizedStackPath"]).read_text())
            folder, dependencies = outdir / entry["workingDirectory"], set(entry.get("dependencies", []))
            stacks[name] = (stack_kind(document), folder, dependencies)
    ordered: list[tuple[str, str, Path]] = []
    pending = sorted(stacks, key=lambda n: (stacks[n][0] != BASELINE, n))
    while pending:
        ready = [n for n in pending if stacks[n][2] <= {o[0] for o in ordered}]
        if not ready:
            raise DeployError("stack dependencies form a cycle: " + ", ".join(pending))
        ordered.append((ready[0], *stacks[ready[0]][:2]))
        pending.remove(ready[0])
    return ordered


def prepare(name: str, kind: str, synthesized: Path, endpoint: str, unpublished: dict[str, str]) -> LocalStack:
    """Copy a synthesized stack (with its assets) and rewrite the copy for the emulator; print what it left out.
    `unpublished` (parameter name -> why) grows with the parameters this stack's target cannot publish."""
    workdir = BUILD / "emulator" / name
    shutil.copytree(synthesized, workdir, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    original = json.loads((synthesized / "cdk.tf.json").read_text())
    document, removed = emulator_target(original, endpoint, BUILD / "state" / f"{name}.tfstate", unpublished)
    unpublished.update(
        {r["parameter"]: f"the emulator target of {name} leaves out" for r in removed if "parameter" in r}
    )
    (workdir / "cdk.tf.json").write_text(json.dumps(document, indent=2))
    print(f"emulator target {name} ({kind}): {len(removed)} resource(s) left out, by type:")
    for exclusion in EXCLUSIONS:
        count = sum(r["address"].startswith(exclusion.resource_type + ".") for r in removed)
        if count:
            print(f"  - {exclusion.resource_type} x{count}: {exclusion.reason}")
    for r in removed:
        if not any(r["address"].startswith(e.resource_type + ".") for e in EXCLUSIONS):
            print(f"  - {r['address']}: {r['reason']}")
    return LocalStack(name, kind, synthesized, workdir, document, removed)


def cannot_run(reason: str) -> int:
    """A deploy that cannot run fails in one line, unless .ci/run tolerates it (then a loud banner, exit 0)."""
    if os.environ.get(TOLERATE) == "1":
        banner(
            [
                f"LOCAL DEPLOY NOT RUN: {reason}",
                "The emulator apply, integration tests, mutations and destroy did not run in this environment.",
                f"({TOLERATE}=1 is set by .ci/run only; anywhere else this is an error.)",
            ]
        )
        return 0
    print(f"error: the local deploy cannot run: {reason}", file=sys.stderr)
    return 2


def stop_kept(quiet: bool = False) -> bool:
    """Stop an emulator a `--keep` run left running and remove the outputs that point at it."""
    target = read_target()
    if target["target"] != "emulator":
        if not quiet:
            print("no kept emulator: cfn-outputs/target.json names none")
        return False
    stopped = stop(int(target["pid"]), target["endpoint"])
    remove_outputs()
    shutil.rmtree(BUILD / "state", ignore_errors=True)
    print(
        f"{'stopped' if stopped else 'found no longer running'} the kept emulator at {target['endpoint']} "
        f"(pid {target['pid']}); removed its outputs from cfn-outputs/"
    )
    return stopped


def deploy_local(suffix: str, tests_python: str, keep: bool = False, mutations: bool = True) -> int:
    try:
        provider_source(None)
    except DeployError as error:
        return cannot_run(str(error))
    if FLAT_OUTPUTS.is_file() and read_target()["target"] == "aws":
        print(
            f"error: {FLAT_OUTPUTS} describes a deployment to AWS; the local deploy would overwrite it "
            "(run `tox -e destroy` first, or move cfn-outputs/ away)",
            file=sys.stderr,
        )
        return 2
    stop_kept(quiet=True)
    shutil.rmtree(BUILD, ignore_errors=True)
    BUILD.mkdir(parents=True)
    clock = Clock()
    report: dict = {
        "target": "local emulator (moto server on 127.0.0.1) - not a real AWS deployment",
        "suffix": suffix,
        "machine_at_start": machine_speed(),
        "stacks": [],
    }
    failures: list[str] = []
    for kind, profile in APPS:
        with clock.time(f"gate {kind} (synth + compliance)"):
            gate(BUILD / "real" / kind, suffix, profile, BUILD / "gate-reports" / kind, kind)
    plan = stack_order([BUILD / "real" / kind for kind, _ in APPS])
    print("stacks, in deploy order: " + ", ".join(f"{name} ({kind})" for name, kind, _ in plan))
    with moto_server(str(BUILD / "moto.log"), keep=keep) as emulator:
        env = {
            **EMULATOR_CREDENTIALS,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": emulator.endpoint,
        }
        mes_secret = f"iotsp/{suffix}/mes-api-key"
        seed(emulator.endpoint, REGION, mes_secret)
        unpublished: dict[str, str] = {}
        stacks = [prepare(name, kind, folder, emulator.endpoint, unpublished) for name, kind, folder in plan]
        environments = [s for s in stacks if s.kind == ENVIRONMENT]
        singletons = SingletonCheck(emulator.endpoint, environments)
        attempted: list[LocalStack] = []
        try:
            for stack in stacks:
                version = stack.document["terraform"]["required_providers"]["aws"]["version"]
                source: ProviderSource = provider_source(version)
                stack.tf = Terraform.prepared(stack.workdir, env, source)
                if stack.kind == ENVIRONMENT:
                    singletons.snapshot("before the environment's apply")
                with clock.time(f"init {stack.name} ({source.describe()})"):
                    stack.tf.run("init", "-backend=true", "-input=false")
                attempted.append(stack)
                with clock.time(f"apply {stack.name}"):
                    stack.tf.run("apply", "-auto-approve", "-input=false", "-parallelism=10", timeout=2400)
                if stack.kind == ENVIRONMENT:
                    failures += singletons.compare("after the environment's apply")
            outputs, dropped = flat_outputs(environments)
            write_flat_outputs(outputs, FLAT_OUTPUTS, may_be_missing=dropped)
            write_target(
                {
                    "target": "emulator",
                    "endpoint": emulator.endpoint,
                    "pid": emulator.pid,
                    "region": REGION,
                    "dropped_outputs": sorted(dropped),
                    "stop": f"{shlex.quote(sys.executable)} -m infra.deploy stop-local",
                }
            )
            test_env = {**os.environ, **env, "PLATFORM_REQUIRE_DEPLOYMENT": "1"}
            with clock.time("integration tests"):
                run = subprocess.run(
                    [tests_python, "-m", "pytest", "tests/integration", "-p", "no:cacheprovider", "-ra"],
                    cwd=PROJECT,
                    env=test_env,
                )
            report["integration_tests_exit"] = run.returncode
            if run.returncode != 0:
                failures.append(f"integration tests exited {run.returncode}")
            elif mutations:
                with clock.time("mutations (each test against its broken resource)"):
                    killed = subprocess.run(
                        [tests_python, "-m", "tests.integration.mutations", "--report", str(BUILD / "mutations.json")],
                        cwd=PROJECT,
                        env=test_env,
                    )
                report["mutations_exit"] = killed.returncode
                if killed.returncode != 0:
                    failures.append(f"mutation run exited {killed.returncode} (see {BUILD / 'mutations.json'})")
        except DeployError as error:
            failures.append(str(error))
        finally:
            if keep:
                report["kept"] = {"endpoint": emulator.endpoint, "pid": emulator.pid}
                stop_line = f"{shlex.quote(sys.executable)} -m infra.deploy stop-local"
                print(f"--keep: the emulator keeps running at {emulator.endpoint} (pid {emulator.pid}) with the stack")
                print(f"  integration tests against it:  {shlex.quote(tests_python)} -m pytest tests/integration")
                print(f"  stop it and remove its outputs: {stop_line}")
            else:
                for stack in reversed(attempted):
                    failures += destroy(stack, clock, report)
                    if stack.kind == ENVIRONMENT:
                        failures += singletons.compare("after the environment's destroy")
                left = leftovers(
                    emulator.endpoint,
                    REGION,
                    suffix,
                    ignore_secret_names={mes_secret},
                    released_names={r["name"] for r in report.get("released_before_destroy", []) if r["name"]},
                    names={name for stack in stacks for name in literal_names(stack.document)},
                )
                report["leftovers"] = left
                if left:
                    failures.append("left behind after destroy: " + ", ".join(left))
                remove_outputs()
            report["singletons"] = singletons.record()
            report["stacks"] = [{"name": s.name, "kind": s.kind, "exclusions": s.removed} for s in stacks]
    report["timings"] = clock.phases
    report["machine_at_end"] = machine_speed()
    report["failures"] = failures
    (BUILD / "report.json").write_text(json.dumps(report, indent=2))
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    print(f"local deploy {'FAILED' if failures else 'PASSED'}; report in {BUILD / 'report.json'}")
    return 1 if failures else 0


NAME_ATTRIBUTES = ("name", "bucket", "function_name", "alarm_name", "dashboard_name", "cluster_identifier")


def literal_names(document: dict) -> set[str]:
    """The names a stack gives its resources literally (not computed), for the leftover check."""
    return {
        value
        for items in document.get("resource", {}).values()
        for config in items.values()
        for attribute in NAME_ATTRIBUTES
        if isinstance(value := config.get(attribute), str) and "${" not in value
    }


def flat_outputs(environments: list[LocalStack]) -> tuple[dict[str, str], set[str]]:
    """The environment stack's outputs (the flat file describes one environment) and those the emulator dropped."""
    if len(environments) != 1:
        raise DeployError(f"expected one environment stack in the synth output, found {len(environments)}")
    stack = environments[0]
    dropped = {r["address"].split(".", 1)[1] for r in stack.removed if r["address"].startswith("output.")}
    return stack.tf.outputs(), dropped


def destroy(stack: LocalStack, clock: Clock, report: dict) -> list[str]:
    released = releases(stack.tf.state_list(), stack.document)
    for item in released:
        stack.tf.run("state", "rm", item["address"])
        print(f"released before destroy (emulator gap): {item['address']}: {item['reason']}")
    report.setdefault("released_before_destroy", []).extend(released)
    try:
        with clock.time(f"destroy {stack.name}"):
            stack.tf.run("destroy", "-auto-approve", "-input=false", "-parallelism=10", timeout=2400)
    except DeployError as error:
        return [str(error)]
    return []


class SingletonCheck:
    """The account's singletons the emulator serves, before and after each environment's apply and destroy.

    Enforced when no environment stack declares a singleton itself; while one still does (the account baseline
    has not taken them over), the change is reported loudly in the run and the report, not counted as a failure.
    """

    def __init__(self, endpoint: str, environments: list[LocalStack]) -> None:
        self.endpoint = endpoint
        self.declared = sorted(
            {t for s in environments for t in s.document.get("resource", {}) if t in SINGLETON_TYPES}
        )
        self.before: dict | None = None
        self.results: list[dict] = []

    def snapshot(self, when: str) -> None:
        if self.before is None:
            self.before = account_singletons(self.endpoint, REGION)
            self.when = when

    def compare(self, when: str) -> list[str]:
        if self.before is None:
            return []
        changed = changed_singletons(self.before, account_singletons(self.endpoint, REGION))
        self.results.append({"when": when, "changed": changed, "enforced": not self.declared})
        if not changed:
            print(f"account singletons unchanged {when}: {', '.join(SINGLETON_TYPES)}")
            return []
        if self.declared:
            banner(
                [
                    f"ACCOUNT SINGLETONS CHANGED {when.upper()} (not enforced: the environment stack declares "
                    + ", ".join(self.declared)
                    + " itself; the account baseline must own them)",
                    *changed,
                ]
            )
            return []
        return [f"the environment changed account-wide settings {when}: " + "; ".join(changed)]

    def record(self) -> dict:
        return {"declared_by_environment": self.declared, "baseline_state": self.before, "checks": self.results}
