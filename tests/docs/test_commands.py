"""The docs cannot drift from the tool: every command in the ```bash blocks of README.md, docs/*.md and
anomaly/README.md is run here (the cheap ones, as written, with only placeholders and output folders filled in), or
proven run elsewhere (by `.ci/run`, by a tox env of the test command, by the local deploy's gate), or shown to
refuse in one line where it cannot run here (a deploy without AWS credentials). A command this file does not know
fails the test, and so does a proof for a command no page has any more.
"""

from __future__ import annotations

import configparser
import contextlib
import importlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.deploy import local
from infra.deploy.outputs import FLAT_OUTPUTS
from tests.conftest import PROJECT

PAGES = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md")), PROJECT / "anomaly" / "README.md"]
README = "\n".join(page.read_text() for page in PAGES)
CI_RUN = (PROJECT / ".ci" / "run").read_text()
TOX = configparser.ConfigParser(interpolation=None)
TOX.read(PROJECT / "tox.ini")
ENV_LIST = [e.strip() for e in re.split(r"[,\s]+", TOX["tox"]["env_list"]) if e.strip()]


def readme_commands(text: str = README) -> list[str]:
    """Each command of the ```bash blocks: comments dropped (whole lines, or after two spaces), continuations
    joined."""
    commands = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, re.S | re.M):
        pending = ""
        for raw in block.splitlines():
            line = f"{pending} {raw.strip()}".strip() if pending else raw.rstrip()
            pending = ""
            if line.endswith("\\"):
                pending = line[:-1].rstrip()
                continue
            line = re.split(r"\s{2,}#\s", line)[0].strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def tox_invocation(command: str) -> tuple[dict[str, str], str, list[str]]:
    """`[bash scripts/bootstrap &&] [VAR=value ...] [python3 -m] tox -e ENV [-- args]` -> (variables, env, posargs)."""
    setup = re.match(r"^bash (scripts/\S+)( --[\w-]+)* && ", command)
    if setup:
        assert (PROJECT / setup.group(1)).is_file(), setup.group(1)
        command = command[setup.end() :]
    words = shlex.split(command)
    variables = {}
    while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
        name, _, value = words.pop(0).partition("=")
        variables[name] = value
    if words[:3] == ["python3", "-m", "tox"]:
        words = ["tox", *words[3:]]
    assert words[:2] == ["tox", "-e"] and len(words) >= 3, f"not a tox invocation: {command}"
    posargs = words[4:] if words[3:4] == ["--"] else []
    return variables, words[2], posargs


def section(env: str) -> configparser.SectionProxy:
    """An env's own section; an env of env_list without one (py) is [testenv] itself."""
    if not TOX.has_section(f"testenv:{env}") and env in ENV_LIST:
        return TOX["testenv"]
    assert TOX.has_section(f"testenv:{env}"), f"tox.ini has no [testenv:{env}]"
    return TOX[f"testenv:{env}"]


def _substitute(text: str, posargs: list[str], python: str) -> str:
    text = re.sub(r"\{\[([^\]]+)\]([a-z_]+)\}", lambda m: TOX[m.group(1)].get(m.group(2), ""), text)
    text = re.sub(r"\{env:([A-Z_]+):([^}]*)\}", lambda m: os.environ.get(m.group(1), m.group(2)), text)
    replacements = {
        "{posargs}": shlex.join(posargs),
        "{tox_root}": str(PROJECT),
        "{env_python}": python,
        "{work_dir}": str(PROJECT / ".tox"),
    }
    for token, value in replacements.items():
        text = text.replace(token, value)
    return text


def tox_commands(env: str, posargs: list[str] | None = None, python: str = sys.executable) -> list[list[str]]:
    raw = section(env).get("commands") or TOX["testenv"]["commands"]
    return [shlex.split(_substitute(line, posargs or [], python)) for line in raw.strip().splitlines() if line.strip()]


def tox_set_env(env: str, python: str = sys.executable) -> dict[str, str]:
    lines = _substitute(section(env).get("set_env") or TOX["testenv"]["set_env"], [], python)
    while "{[" in lines:
        lines = _substitute(lines, [], python)
    return dict(
        (part.strip() for part in line.split("=", 1)) for line in lines.splitlines() if "=" in line and line.strip()
    )


def without_credentials(extra: dict[str, str] | None = None, path: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_EC2_METADATA_DISABLED": "true",
            "PYTHONPATH": str(PROJECT),
            **(extra or {}),
        }
    )
    if path is not None:
        env["PATH"] = path
    env.pop(local.TOLERATE, None)
    return env


def run(argv: list[str], env: dict[str, str] | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    if argv[0] in ("python", "python3"):
        argv = [sys.executable, *argv[1:]]
    elif argv[0] == "pytest":
        argv = [sys.executable, "-m", "pytest", *argv[1:]]
    return subprocess.run(argv, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout)


# --- proofs -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CiRuns:
    """.ci/run runs this exact line."""

    def check(self, command: str, ctx: dict) -> None:
        assert command in CI_RUN.splitlines(), f".ci/run does not run `{command}`"


@dataclass(frozen=True)
class RunByTestCommand:
    """A tox env in env_list: the README's test command (which .ci/run runs) runs it."""

    def check(self, command: str, ctx: dict) -> None:
        _, env, _ = tox_invocation(command)
        section(env)
        assert env in ENV_LIST, f"tox -e {env} is not in env_list {ENV_LIST}: nothing runs it"


@dataclass(frozen=True)
class GateOfTheLocalDeploy:
    """`tox -e compliance` synthesizes and gates the same apps, with the same profiles, as the local deploy's gate,
    which `.ci/run` runs after the test command."""

    def check(self, command: str, ctx: dict) -> None:
        _, env, _ = tox_invocation(command)

        def shape(commands: list[list[str]]) -> set[tuple[str, str]]:
            # each gate is `python -m compliance check DIR --synth ... -- [INFRA OPTIONS]`: synth and gate in one
            # process; a separate `python -m infra` would synthesize what no gate judges
            assert not [c for c in commands if c[1:3] == ["-m", "infra"]], commands
            checks = [c for c in commands if c[1:4] == ["-m", "compliance", "check"]]
            assert checks and all("--synth" in c for c in checks), commands
            infra = [c[c.index("--") + 1 :] if "--" in c else [] for c in checks]
            kinds = [a[a.index("--stack") + 1] if "--stack" in a else local.ENVIRONMENT for a in infra]
            profiles = [c[c.index("--profile") + 1] for c in checks]
            return set(zip(kinds, profiles, strict=True))

        tox = shape(tox_commands(env))
        gate = shape(
            [
                ["python", *args]
                for kind, profile in local.APPS
                for args in local.gate_commands(Path("o"), "s", profile, Path("r"), kind)
            ]
        )
        assert tox == gate, f"tox -e {env} gates {sorted(tox)}, the local deploy {sorted(gate)}"
        CiRuns().check("python3 -m tox -e deploy-local", ctx)


@dataclass(frozen=True)
class Runs:
    """Run here as written; `argv` fills in placeholders ({outdir}: the session's synthesized stacks, {tmp})."""

    argv: tuple[str, ...]
    expect_rc: tuple[int, ...] = (0,)
    expect_out: str = ""
    in_process: bool = False  # `python -m M ...` as M.__main__.main(...) (the bindings are loaded once per process)

    def check(self, command: str, ctx: dict) -> None:
        argv = [word.format(**ctx) for word in self.argv]
        if self.in_process:
            assert argv[:2] == ["python", "-m"], argv
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                rc = importlib.import_module(f"{argv[2]}.__main__").main(argv[3:])
            done = subprocess.CompletedProcess(argv, rc, out.getvalue(), err.getvalue())
        else:
            done = run(argv, env={**os.environ, "PYTHONPATH": str(PROJECT)})
        assert done.returncode in self.expect_rc, f"`{shlex.join(argv)}` exited {done.returncode}:\n{done.stderr}"
        assert self.expect_out in done.stdout + done.stderr, done.stdout[-2000:]
        ctx["last"] = done


@dataclass(frozen=True)
class RefusesInOneLine:
    """Cannot do its job here (no AWS credentials, no terraform, no deployment): the tox env's first command
    exits non-zero with one line that says why."""

    expect: str  # a regular expression the one line matches
    rc: int = 2
    path: str | None = None  # PATH for the command (to hide terraform)
    pytest_exit: bool = False  # the line is pytest's exit line (a run stopped before any test)

    def check(self, command: str, ctx: dict) -> None:
        variables, env, posargs = tox_invocation(command)
        argv = tox_commands(env, posargs)[0]
        environment = without_credentials({**tox_set_env(env), **variables}, self.path)
        done = run(argv, env=environment, timeout=120)
        assert done.returncode == self.rc, f"`{shlex.join(argv)}` exited {done.returncode}: {done.stderr[-2000:]}"
        if self.pytest_exit:
            lines = [line for line in done.stdout.splitlines() if "Exit:" in line]
            assert not re.search(r"\d+ (passed|failed|skipped)", done.stdout), done.stdout
        else:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and re.search(self.expect, lines[0]), done.stdout + done.stderr


@dataclass(frozen=True)
class ProvenByTests:
    """Run by tests of a tox env in env_list; `needles` are the invocations those tests make."""

    file: str
    needles: tuple[str, ...]
    env: str

    def check(self, command: str, ctx: dict) -> None:
        text = (PROJECT / self.file).read_text()
        for needle in self.needles:
            assert needle in text, f"{self.file} does not contain {needle!r}"
        assert self.env in ENV_LIST
        words = [w for c in tox_commands(self.env) for w in c]
        paths = [w for w in words if w.startswith("tests")]
        ignored = [w.split("=", 1)[1] for w in words if w.startswith("--ignore=")]
        included = any(self.file.startswith(p) for p in paths) if paths else True
        assert included and not any(self.file.startswith(i) for i in ignored), f"tox -e {self.env} skips {self.file}"


@dataclass(frozen=True)
class BenchmarkInterface:
    """A benchmark (run by hand in the job env; its figures are reported in the README, never asserted in a timed
    test): the script exists and declares every option the README passes it."""

    def check(self, command: str, ctx: dict) -> None:
        import ast

        words = shlex.split(command)
        assert words[:1] == ["python"] and words[1].startswith("bench/"), command
        script = PROJECT / words[1]
        assert script.is_file(), f"{words[1]} does not exist"
        declared = {
            arg.value
            for node in ast.walk(ast.parse(script.read_text()))
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument"
            for arg in node.args
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        }
        used = {w for w in words[2:] if w.startswith("--")}
        assert used <= declared, f"{words[1]} declares no {sorted(used - declared)} (it declares {sorted(declared)})"


@dataclass(frozen=True)
class All:
    proofs: tuple

    def check(self, command: str, ctx: dict) -> None:
        for proof in self.proofs:
            proof.check(command, ctx)


NO_TERRAFORM = str(Path(sys.executable).parent)  # the env's own bin: python, no terraform
NO_AWS = r"^error: (no usable AWS credentials|.* not on PATH: deploying to AWS needs)"
GATE_SYNOPSIS = (
    "python -m compliance check cdktf.out [--out reports] [--profile ephemeral|production] [--synth [-- INFRA OPTIONS]]"
)
PROOFS = {
    "bash scripts/bootstrap && python3 -m tox -e compliance": GateOfTheLocalDeploy(),
    "bash scripts/bootstrap --with-browser && python3 -m tox": CiRuns(),
    "python3 -m tox -e compliance": GateOfTheLocalDeploy(),
    GATE_SYNOPSIS: All(
        (
            Runs(
                ("python", "-m", "compliance", "check", "{outdir}", "--out", "{tmp}/reports", "--profile", "ephemeral"),
                expect_out="compliance gate PASSED",
            ),
            # --synth hands the options after -- to python -m infra (a bad one is refused before any synth)
            Runs(
                ("python", "-m", "compliance", "check", "{tmp}/out", "--synth", "--", "--stack", "shared"),
                expect_rc=(2,),
                expect_out="--stack needs environment or account-baseline",
            ),
        )
    ),
    "python -m compliance report reports/findings.json --format html|sarif|junit|md [--out FILE]": All(
        (
            Runs(("python", "-m", "compliance", "check", "{outdir}", "--out", "{tmp}/rerendered"), in_process=True),
            Runs(
                (
                    "python",
                    "-m",
                    "compliance",
                    "report",
                    "{tmp}/rerendered/findings.json",
                    "--format",
                    "md",
                    "--out",
                    "{tmp}/rerendered/summary-again.md",
                ),
                in_process=True,
            ),
        )
    ),
    "python -m compliance baseline cdktf.out --out compliance/baseline.json": Runs(
        ("python", "-m", "compliance", "baseline", "{outdir}", "--out", "{tmp}/baseline.json"),
        expect_out="accepted finding(s) to",
        in_process=True,
    ),
    "python -m compliance check cdktf.out --baseline compliance/baseline.json": All(
        (
            Runs(("python", "-m", "compliance", "baseline", "{outdir}", "--out", "{tmp}/b.json"), in_process=True),
            Runs(
                ("python", "-m", "compliance", "check", "{outdir}", "--out", "{tmp}/rb", "--baseline", "{tmp}/b.json"),
                expect_out="compliance gate PASSED",
                in_process=True,
            ),
        )
    ),
    "checkov -d cdktf.out/stacks/<stack> --framework terraform_json --external-checks-dir policies/checkov": Runs(
        (
            str(Path(sys.executable).parent / "checkov"),
            "-d",
            "{stack}",
            "--framework",
            "terraform_json",
            "--external-checks-dir",
            "policies/checkov",
            "-o",
            "json",
        ),
        expect_rc=(0, 1),  # 1: built-ins the gate skips with a reason, and "//" suppressions plain checkov ignores
    ),
    "python -m anomaly --input events.jsonl --output out/": ProvenByTests(
        "tests/anomaly/test_runner.py", ('main(["--input"',), "job"
    ),
    "python -m anomaly score --csv export.csv --out flagged.csv": ProvenByTests(
        "tests/anomaly/test_scorer.py", ('main(["score", "--csv"',), "job"
    ),
    "python -m anomaly score --csv export.csv --out alerts.csv --episodes": ProvenByTests(
        "tests/anomaly/test_episodes.py",
        ('args = ["score", "--csv", str(tmp_path / "export.csv"), "--episodes"]',),
        "job",
    ),
    "python -m anomaly score --csv export.csv --out scores.csv --all-readings --plot scores.png": ProvenByTests(
        "tests/anomaly/test_scorer.py", ('main([*args, "--all-readings", "--plot"',), "job"
    ),
    "python bench/job_throughput.py --events 2000000 --floor": BenchmarkInterface(),
    "python bench/fuzz_pipeline.py": BenchmarkInterface(),
    "tox -e job": RunByTestCommand(),
    "python3 -m tox -e cdktn": RunByTestCommand(),
    "LAKE_FORMATION_ADMINS=arn:aws:iam::<account>:role/<ci-deployer> python3 -m tox -e baseline": RefusesInOneLine(
        NO_AWS
    ),
    "python -m infra --stack account-baseline --outdir cdktf.out.baseline": Runs(
        ("python", "-m", "infra", "--stack", "account-baseline", "--outdir", "{tmp}/cdktf.out.baseline"),
        expect_out="synthesized iot-account-baseline-",
        in_process=True,
    ),
    "python3 -m tox -e deploy-local": All(
        (CiRuns(), RefusesInOneLine("error: the local deploy cannot run: terraform", path=NO_TERRAFORM))
    ),
    "python3 -m tox -e deploy-local -- --keep": All(
        (
            RefusesInOneLine("error: the local deploy cannot run: terraform", path=NO_TERRAFORM),
            ProvenByTests(
                "tests/infra/deploy/test_emulator.py",
                ("def test_kept_emulator_outlives_its_run_until_stopped", "moto_server(keep=True)"),
                "py",
            ),
        )
    ),
    ".tox/deploy-local/bin/python -m infra.deploy stop-local": Runs(("python", "-m", "infra.deploy", "stop-local")),
    "python3 -m tox -e deploy": RefusesInOneLine(NO_AWS),
    "python3 -m tox -e integration": RefusesInOneLine("is absent: deploy first", pytest_exit=True),
    "python3 -m tox -e destroy": RefusesInOneLine(NO_AWS),
}


@pytest.fixture(scope="module")
def ctx(ephemeral, tmp_path_factory) -> dict:
    return {
        "outdir": str(ephemeral.outdir),
        "stack": str(ephemeral.path.parent),
        "tmp": str(tmp_path_factory.mktemp("readme")),
    }


def test_every_command_has_a_proof_and_every_proof_a_command():
    commands = readme_commands()
    assert len(commands) >= 10
    unknown = [c for c in commands if c not in PROOFS]
    assert not unknown, (
        "commands of the docs nothing runs or proves (add each to PROOFS in tests/docs/test_commands.py):\n"
        + ("\n".join(unknown))
    )
    stale = [c for c in PROOFS if c not in commands]
    assert not stale, "proofs of commands no page has any more:\n" + "\n".join(stale)


def test_the_readme_fits_one_screen():
    assert len((PROJECT / "README.md").read_text()) <= 10_000


@pytest.mark.parametrize("command", list(PROOFS))
def test_command(command, ctx):
    if command not in readme_commands():
        pytest.skip("not in the docs (test_every_command_has_a_proof_and_every_proof_a_command fails)")
    if "stop-local" in command and local.read_target()["target"] == "emulator":
        pytest.skip("a kept emulator is running: stop-local would stop it")
    if command.endswith("-e integration") and FLAT_OUTPUTS.is_file():
        pytest.skip("outputs exist: the integration env would run against them instead of refusing")
    PROOFS[command].check(command, ctx)
    if "checkov -d" in command:
        from policies.rulebook import all_rules

        results = json.loads(ctx["last"].stdout)
        results = results["results"] if isinstance(results, dict) else results[0]["results"]
        ran = {c["check_id"] for c in results["passed_checks"] + results["failed_checks"]}
        ours = {rule.id for rule in all_rules()}
        assert len(ran & ours) >= 20, sorted(ran & ours)  # the rulebook runs as plain Checkov checks


def test_command_parsing_reads_comments_continuations_and_tox_forms():
    text = "x\n```bash\n# comment\na --b c   # why\nd \\\n  e\n```\n```python\nnot_a_command()\n```\n"
    assert readme_commands(text) == ["a --b c", "d e"]
    assert tox_invocation("A=1 python3 -m tox -e deploy-local -- --keep") == ({"A": "1"}, "deploy-local", ["--keep"])
    assert tox_invocation("tox -e job") == ({}, "job", [])
    assert tox_invocation("bash scripts/bootstrap --with-browser && python3 -m tox -e py") == ({}, "py", [])
    with pytest.raises(AssertionError, match=r"declares no \['--nope'\]"):
        BenchmarkInterface().check("python bench/job_throughput.py --events 10 --nope", {})
    with pytest.raises(AssertionError, match="not a tox invocation"):
        tox_invocation("python -m infra")
    assert tox_commands("deploy-local", ["--keep"])[0][-1] == "--keep"
    assert tox_set_env("integration")["PLATFORM_REQUIRE_DEPLOYMENT"] == "1"
