"""In-process tests of the synth CLI, the emulator lifecycle and leftover check, and the deploy entry points."""

from __future__ import annotations

import json

import pytest

from infra.__main__ import main as infra_main
from infra.deploy import __main__ as deploy
from infra.deploy.emulator import client, moto_server, seed
from infra.deploy.leftovers import leftovers
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


def test_moto_server_seed_and_leftovers(tmp_path):
    with moto_server(str(tmp_path / "moto.log")) as endpoint:
        assert endpoint.startswith("http://127.0.0.1:")
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


def test_local_deploy_skips_loudly_without_terraform(monkeypatch, capsys):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("TF_PROVIDER_MIRROR", raising=False)
    assert deploy.main(["local", "--tests-python", "/nonexistent/python"]) == 0
    out = capsys.readouterr().out
    assert "LOCAL DEPLOY SKIPPED" in out and "terraform is not on PATH" in out


def test_aws_deploy_needs_tools_and_credentials(monkeypatch, capsys):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert deploy.main(["aws"]) == 2
    assert "terraform and Node.js" in capsys.readouterr().err


def test_gate_step_stops_on_a_failed_subprocess(monkeypatch, tmp_path):
    with pytest.raises(deploy.DeployError, match="failed"):
        deploy._python("-c", "import sys; sys.exit(3)")
