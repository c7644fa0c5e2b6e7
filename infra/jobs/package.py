"""Build the job package Glue loads with --extra-py-files: a deterministic zip of infra/jobs and what it imports."""

from __future__ import annotations

import zipfile
from pathlib import Path

INFRA = Path(__file__).resolve().parent.parent
MEMBERS = ["__init__.py", "event_schema.py", "schemas/sensor_event.schema.json"]
FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: same code, same bytes, same asset hash


def build_job_package(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "sensor-job-package.zip"
    files = [INFRA / m for m in MEMBERS]
    files += sorted(p for p in (INFRA / "jobs").glob("*.py") if p.name not in ("__main__.py", "sensor_stream_job.py"))
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(f"infra/{path.relative_to(INFRA).as_posix()}", date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED)
    return target
