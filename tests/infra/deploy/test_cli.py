"""The deploy entry points (infra/deploy/__main__.py): deploy and destroy on AWS refuse in one line without tools or
credentials; `exclusions` prints the emulator's tables."""

from __future__ import annotations

import os

from infra.deploy import __main__ as deploy


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


def test_exclusions_command_prints_the_emulator_tables(capsys):
    assert deploy.main(["exclusions"]) == 0
    assert capsys.readouterr().out.startswith("| left out of the emulator target | why |")
