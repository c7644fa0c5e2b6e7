"""The local runner (`python -m anomaly --input ... --output ...`): its refusals in one line."""

from __future__ import annotations

from anomaly.__main__ import main


def test_runner_reports_a_missing_input(tmp_path, capsys):
    assert main(["--input", str(tmp_path / "nope"), "--output", str(tmp_path / "out")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_runner_refuses_an_empty_micro_batch_size(tmp_path, capsys):
    (tmp_path / "in.jsonl").write_text("{}\n")
    args = ["--input", str(tmp_path / "in.jsonl"), "--output", str(tmp_path / "out"), "--files-per-batch", "0"]
    assert main(args) == 2
    assert "--files-per-batch 0: must be 1 or more" in capsys.readouterr().err
