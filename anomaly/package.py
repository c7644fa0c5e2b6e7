"""Build the job package Glue loads with --extra-py-files: a deterministic zip of the anomaly package, nothing else."""

from __future__ import annotations

import zipfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
GLUE_SCRIPT = PACKAGE / "sensor_stream_job.py"  # the Glue job script (shipped on its own, not in the zip)
ENTRY_POINTS = ("__main__.py", GLUE_SCRIPT.name)  # the local CLI and the Glue script are not imported by the job
FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: same code, same bytes, same asset hash


def package_files() -> list[Path]:
    files = sorted(p for p in PACKAGE.glob("*.py") if p.name not in ENTRY_POINTS)
    return files + sorted(PACKAGE.glob("schemas/*.json"))


def build_job_package(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "sensor-job-package.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in package_files():
            info = zipfile.ZipInfo(f"anomaly/{path.relative_to(PACKAGE).as_posix()}", date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED)
    return target
