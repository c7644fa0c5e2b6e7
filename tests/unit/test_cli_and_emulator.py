"""In-process tests of the synth CLI, the emulator lifecycle, leftover and singleton checks, the stack order, the
deploy entry points' refusals, and the integration tests' contract (each states its proof and its mutation)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from infra.__main__ import main as infra_main
from infra.deploy import __main__ as deploy
from infra.deploy import local
from infra.deploy.emulator import client, is_our_server, moto_server, seed, serving, stop
from infra.deploy.leftovers import account_singletons, changed_singletons, leftovers
from infra.deploy.terraform import DeployError
from infra.synth import SynthFailed


def test_synth_cli_writes_the_stack(tmp_path, capsys, ephemeral):
    out = tmp_path / "deep" / "out"
    assert infra_main(["--environment-suffix", "cli-1", "--outdir", str(out), "--no-guardrails"]) == 0
    assert (out / "stacks" / "iot-platform-cli-1" / "cdk.tf.json").is_file()
    assert "without Guardrails" in capsys.readouterr().err
    assert infra_main(["--help"]) == 0
    assert infra_main(["--outdir"]) == 2
    (tmp_path / "file").write_text("x")
    assert infra_main(["--environment-suffix", "cli-2", "--outdir", str(tmp_path / "file" / "sub")]) == 2
    assert infra_main(["--environment-suffix", "x", "--profile", "nope"]) == 2


def test_synth_failed_report_lists_findings():
    failure = SynthFailed("Error: encountered\n[stack/a/b] S3-ENC-001 [high] stack/a/b (x.y): bad. Fix: do\n")
    assert failure.findings == [("stack/a/b", "S3-ENC-001 [high] stack/a/b (x.y): bad. Fix: do")]
    assert failure.report().startswith("synth failed: 1 guardrail violation(s)")
    assert SynthFailed("odd").report() == "synth failed: odd"


def test_moto_server_seed_leftovers_and_singletons(tmp_path):
    with moto_server(str(tmp_path / "moto.log")) as emulator:
        endpoint = emulator.endpoint
        assert endpoint.startswith("http://127.0.0.1:") and is_our_server(emulator.pid, endpoint)
        arn = seed(endpoint, "eu-central-1", "iotsp/t1/mes-api-key")
        value = json.loads(
            client("secretsmanager", endpoint, "eu-central-1").get_secret_value(SecretId=arn)["SecretString"]
        )
        assert len(value["api_key"]) == 48
        s3 = client("s3", endpoint, "eu-central-1")
        s3.create_bucket(Bucket="iotsp-raw-t1", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        found = leftovers(endpoint, "eu-central-1", "t1", ignore_secret_names={"iotsp/t1/mes-api-key"})
        assert "s3 bucket: iotsp-raw-t1" in found and not any(f.startswith("secret") for f in found)
        s3.delete_bucket(Bucket="iotsp-raw-t1")
        assert not [f for f in leftovers(endpoint, "eu-central-1", "t1", {"iotsp/t1/mes-api-key"}) if "t1" in f]
        logs = client("logs", endpoint, "eu-central-1")
        logs.create_log_group(logGroupName="AWSIotLogsV2")  # a name the stacks give, without the suffix
        kms = client("kms", endpoint, "eu-central-1")
        kms.list_aliases()  # moto's AWS-managed aliases: the account's, never ours
        found = leftovers(endpoint, "eu-central-1", "t1", {"iotsp/t1/mes-api-key"}, names={"AWSIotLogsV2"})
        assert found == ["log group: AWSIotLogsV2"]
        logs.delete_log_group(logGroupName="AWSIotLogsV2")
        before = account_singletons(endpoint, "eu-central-1")
        client("lakeformation", endpoint, "eu-central-1").put_data_lake_settings(
            DataLakeSettings={"DataLakeAdmins": [{"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:role/x"}]}
        )
        changed = changed_singletons(before, account_singletons(endpoint, "eu-central-1"))
        assert len(changed) == 1 and changed[0].startswith("aws_lakeformation_data_lake_settings: ")
    assert not serving(endpoint)


def test_kept_emulator_outlives_its_run_until_stopped(tmp_path):
    with moto_server(keep=True) as emulator:
        pass
    try:
        assert serving(emulator.endpoint) and is_our_server(emulator.pid, emulator.endpoint)
        assert not is_our_server(os.getpid(), emulator.endpoint)  # a reused pid is never killed
    finally:
        assert stop(emulator.pid, emulator.endpoint)
    assert not serving(emulator.endpoint) and not stop(emulator.pid, emulator.endpoint)


def test_a_failed_run_never_leaves_a_kept_emulator(tmp_path):
    with pytest.raises(RuntimeError), moto_server(keep=True) as emulator:
        raise RuntimeError("apply failed")
    deadline = time.monotonic() + 10
    while serving(emulator.endpoint) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not serving(emulator.endpoint)


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
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()
    assert f"export {local.TOLERATE}=1" in ci
    tox = (Path(__file__).resolve().parents[2] / "tox.ini").read_text()
    assert tox.count(local.TOLERATE) == 1  # passed through to deploy-local, set nowhere else


def test_local_deploy_never_overwrites_an_aws_deployment(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(local, "provider_source", lambda version: None)
    monkeypatch.setattr(local, "FLAT_OUTPUTS", tmp_path / "flat-outputs.json")
    (tmp_path / "flat-outputs.json").write_text("{}")
    monkeypatch.setattr(local, "read_target", lambda: {"target": "aws"})
    assert local.deploy_local("t", "python") == 2
    assert "describes a deployment to AWS" in capsys.readouterr().err


def test_aws_deploy_and_destroy_refuse_without_tools_or_credentials(monkeypatch, capsys):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert deploy.main(["aws"]) == 2
    assert "terraform and npm not on PATH" in capsys.readouterr().err
    monkeypatch.setattr(deploy.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    for name in [v for v in os.environ if v.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for command in ("aws", "destroy"):
        assert deploy.main([command]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: no usable AWS credentials") and err.count("\n") == 1


def test_exclusions_command_prints_the_readme_table(capsys):
    assert deploy.main(["exclusions"]) == 0
    assert capsys.readouterr().out.startswith("| left out of the emulator target | why |")


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


def test_every_integration_test_states_its_proof_and_mutation(monkeypatch):
    from tests.integration import mutations

    assert mutations.contract_problems() == []
    tests = dict(mutations.integration_tests())
    assert len(tests) >= 15
    hosted = [node for node, test in tests.items() if hasattr(test, "mutation")]
    assert len(hosted) >= 11  # the emulator hosts most of them; the rest say why not

    def test_unexplained(outputs):
        pass

    def test_both(outputs):
        """Proves nothing in particular."""

    test_both.mutation, test_both.aws_only = object(), "reason"
    monkeypatch.setattr(
        mutations, "integration_tests", lambda: [("x::test_unexplained", test_unexplained), ("x::test_both", test_both)]
    )
    assert mutations.contract_problems() == [
        "x::test_unexplained: no docstring saying what it proves",
        "x::test_unexplained: needs exactly one of @mutation(...) or @aws_only(reason)",
        "x::test_both: needs exactly one of @mutation(...) or @aws_only(reason)",
    ]


def test_gate_step_stops_on_a_failed_subprocess():
    with pytest.raises(DeployError, match="failed"):
        local.run_python("-c", "import sys; sys.exit(3)")


def test_integration_outputs_fail_loudly_when_they_cannot_be_trusted(monkeypatch, tmp_path):
    from _pytest.outcomes import Failed, Skipped

    from tests.integration import conftest

    monkeypatch.setattr(conftest, "OUTPUTS", tmp_path / "flat-outputs.json")
    monkeypatch.setattr(conftest, "REQUIRED", False)
    with pytest.raises(Skipped, match="is absent: deploy first"):
        conftest.load_outputs()
    monkeypatch.setattr(conftest, "REQUIRED", True)  # tox -e integration, the local deploy
    with pytest.raises(Failed, match="is absent: deploy first"):
        conftest.load_outputs()
    (tmp_path / "flat-outputs.json").write_text('{"region": "eu-central-1"}')
    dead = {"target": "emulator", "endpoint": "http://127.0.0.1:9", "stop": "python -m infra.deploy stop-local"}
    monkeypatch.setattr(conftest, "TARGET", dead)
    monkeypatch.setattr(conftest, "ON_EMULATOR", True)
    with pytest.raises(Failed, match=r"no longer running: .*`python -m infra\.deploy stop-local`"):
        conftest.load_outputs()
    factory = conftest.clients(dead, "eu-central-1")
    assert factory("s3").meta.endpoint_url == "http://127.0.0.1:9"
    assert conftest.clients({"target": "aws"}, "eu-central-1")("s3").meta.endpoint_url.startswith("https://")


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
