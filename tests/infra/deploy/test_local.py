"""The local deploy (infra/deploy/local.py): its refusals, the stack order, the singleton check, the gate step, the
prepared copy of a stack, and a kept emulator's stop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.deploy import __main__ as deploy
from infra.deploy import local
from infra.deploy.emulator import moto_server, serving
from infra.deploy.terraform import DeployError
from tests.conftest import PROJECT


def test_local_deploy_says_no_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv(local.TOLERATE, raising=False)
    assert deploy.main(["local"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "terraform is not on PATH" in captured.err and not captured.out
    assert deploy.main(["local", "--tests-python", "/nonexistent/python"]) == 2
    assert "no such interpreter" in capsys.readouterr().err


def test_only_ci_tolerates_a_local_deploy_that_cannot_run(monkeypatch, capsys):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv(local.TOLERATE, "1")
    assert deploy.main(["local"]) == 0
    out = capsys.readouterr().out
    assert "LOCAL DEPLOY NOT RUN: terraform is not on PATH" in out and out.startswith("!" * 100)
    ci = (PROJECT / ".ci" / "run").read_text()
    assert f"export {local.TOLERATE}=1" in ci
    tox = (PROJECT / "tox.ini").read_text()
    assert tox.count(local.TOLERATE) == 1  # passed through to deploy-local, set nowhere else


def test_local_deploy_never_overwrites_an_aws_deployment(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(local, "provider_source", lambda version: None)
    monkeypatch.setattr(local, "FLAT_OUTPUTS", tmp_path / "flat-outputs.json")
    (tmp_path / "flat-outputs.json").write_text("{}")
    monkeypatch.setattr(local, "read_target", lambda: {"target": "aws"})
    assert local.deploy_local("t", "python") == 2
    assert "describes a deployment to AWS" in capsys.readouterr().err


def _manifest(tmp_path, stacks):
    out = tmp_path / "out"
    manifest = {"stacks": {}}
    for name, kind, dependencies in stacks:
        folder = out / "stacks" / name
        folder.mkdir(parents=True)
        guardrails = {"stack_kind": kind} if kind else {}
        (folder / "cdk.tf.json").write_text(
            json.dumps({"//": {"metadata": {"stackName": name}, "guardrails": guardrails}})
        )
        manifest["stacks"][name] = {
            "synthesizedStackPath": f"stacks/{name}/cdk.tf.json",
            "workingDirectory": f"stacks/{name}",
            "dependencies": dependencies,
        }
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def test_stacks_deploy_baseline_first_and_dependencies_before_dependents(tmp_path):
    environments = _manifest(tmp_path / "e", [("a-env", None, []), ("b-env", "environment", ["a-env"])])
    baseline = _manifest(tmp_path / "b", [("z-baseline", local.BASELINE, [])])
    assert [(n, k) for n, k, _ in local.stack_order([environments, baseline])] == [
        ("z-baseline", local.BASELINE),
        ("a-env", local.ENVIRONMENT),
        ("b-env", local.ENVIRONMENT),
    ]
    cycle = _manifest(tmp_path / "c", [("x", None, ["y"]), ("y", None, ["x"])])
    with pytest.raises(DeployError, match="cycle"):
        local.stack_order([cycle])


def test_singleton_check_fails_an_environment_that_changes_account_settings(monkeypatch, capsys):
    states = iter([{"lf": 1, "glue": 1}, {"lf": 1, "glue": 1}, {"lf": 2, "glue": 1}])
    monkeypatch.setattr(local, "account_singletons", lambda endpoint, region: next(states))
    environment = local.LocalStack("env", local.ENVIRONMENT, Path("."), Path("."), {"resource": {"aws_s3_bucket": {}}})
    check = local.SingletonCheck("http://x", [environment])
    assert check.compare("before anything") == []  # nothing to compare against yet
    check.snapshot("before the environment's apply")
    check.snapshot("again")  # the first snapshot stays the baseline
    assert check.compare("after apply") == []
    failures = check.compare("after destroy")
    assert failures and failures[0].startswith(
        "the environment changed account-wide settings after destroy: lf: 1 -> 2"
    )
    assert check.record()["checks"][-1]["enforced"] is True


def test_singleton_check_reports_but_tolerates_an_environment_that_owns_them(monkeypatch, capsys):
    states = iter([{"lf": 1}, {"lf": 2}])
    monkeypatch.setattr(local, "account_singletons", lambda endpoint, region: next(states))
    owner = {"resource": {"aws_lakeformation_data_lake_settings": {"s": {}}}}
    check = local.SingletonCheck("http://x", [local.LocalStack("env", local.ENVIRONMENT, Path("."), Path("."), owner)])
    check.snapshot("before")
    assert check.compare("after apply") == []
    out = capsys.readouterr().out
    assert (
        "ACCOUNT SINGLETONS CHANGED AFTER APPLY (not enforced" in out and "aws_lakeformation_data_lake_settings" in out
    )
    assert check.record()["declared_by_environment"] == ["aws_lakeformation_data_lake_settings"]


def test_clock_and_machine_speed():
    clock = local.Clock()
    with clock.time("phase"):
        sum(range(100_000))
    assert set(clock.phases["phase"]) == {"wall_s", "cpu_s"}
    speed = local.machine_speed()
    assert speed["probe_s"] > 0 and speed["loadavg_1m"] >= 0


def test_gate_step_stops_on_a_failed_subprocess():
    with pytest.raises(DeployError, match="failed"):
        local.run_python("-c", "import sys; sys.exit(3)")


def test_prepare_copies_a_stack_with_its_assets_and_points_only_the_copy(ephemeral, tmp_path, monkeypatch):
    monkeypatch.setattr(local, "BUILD", tmp_path)
    before = ephemeral.path.read_text()
    unpublished = {"/iotsp/account-baseline/iot-device-endpoint": "the baseline's target leaves out"}
    stack = local.prepare(
        ephemeral.stack.node.id, local.ENVIRONMENT, ephemeral.path.parent, "http://127.0.0.1:1", unpublished
    )
    assert ephemeral.path.read_text() == before
    copied = json.loads((stack.workdir / "cdk.tf.json").read_text())
    assert copied == stack.document and copied["provider"]["aws"][0]["endpoints"][0]["s3"] == "http://127.0.0.1:1"
    assert copied["terraform"]["backend"]["local"]["path"] == str(tmp_path / "state" / f"{stack.name}.tfstate")
    assets = sorted(p.relative_to(ephemeral.path.parent) for p in ephemeral.path.parent.rglob("*") if p.is_file())
    assert all((stack.workdir / a).is_file() for a in assets)  # the job script, package, Lambda zips
    assert any(r["address"].startswith("data.aws_ssm_parameter.") for r in stack.removed)
    names = local.literal_names(stack.document)
    assert any(n.startswith("iotsp-raw-") for n in names) and not any("${" in n for n in names)


def test_stop_kept_stops_the_recorded_emulator_and_removes_its_outputs(tmp_path, monkeypatch, capsys):
    from infra.deploy import outputs

    monkeypatch.setattr(outputs, "OUTPUTS_DIR", tmp_path)
    monkeypatch.setattr(local, "BUILD", tmp_path / "build")
    assert local.stop_kept() is False and "no kept emulator" in capsys.readouterr().out
    with moto_server(keep=True) as emulator:
        pass
    outputs.write_target({"target": "emulator", "endpoint": emulator.endpoint, "pid": emulator.pid})
    (tmp_path / "flat-outputs.json").write_text("{}")
    assert local.stop_kept() is True
    assert not serving(emulator.endpoint) and not list(tmp_path.glob("*.json"))
    assert f"stopped the kept emulator at {emulator.endpoint}" in capsys.readouterr().out
