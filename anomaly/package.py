"""Build the zip Glue loads with --extra-py-files, deterministic (same inputs, same bytes, same asset hash): the
anomaly package and the job's pure-Python dependencies (pg8000 and what it imports), taken from the installed
distributions at the pinned versions (requirements/job.txt, requirements/platform.txt). The job's VPC has no
route to PyPI, so nothing is fetched at run time (no --additional-python-modules); nothing else is in the zip.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import sys
import zipfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
GLUE_SCRIPT = PACKAGE / "sensor_stream_job.py"  # the Glue job script (shipped on its own, not in the zip)
ENTRY_POINTS = ("__main__.py", GLUE_SCRIPT.name)  # the local CLI and the Glue script are not imported by the job
FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: same code, same bytes, same asset hash
# pg8000 and everything it imports beyond the standard library (python-dateutil needs six). Glue 5.0 may carry
# its own dateutil and six; these copies are the versions pg8000 was tested with here.
DEPENDENCIES = ("pg8000", "scramp", "asn1crypto", "python-dateutil", "six")
JOB_ZIP = "sensor-job-package.zip"
# Installer bookkeeping differs between pip and uv and between machines: never shipped.
_SKIP_META = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "uv_cache.json")


class PackagingError(RuntimeError):
    """A dependency cannot be packaged: the message says which and how to fix it."""


def _write(target: Path, entries: list[tuple[str, bytes]]) -> Path:
    """Write the zip beside its target, then rename it into place: a synth reading it never sees half of it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.{os.getpid()}")
    with zipfile.ZipFile(scratch, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    os.replace(scratch, target)
    return target


def package_files() -> list[Path]:
    files = sorted(p for p in PACKAGE.glob("*.py") if p.name not in ENTRY_POINTS)
    return files + sorted(PACKAGE.glob("schemas/*.json"))


def build_job_package(out_dir: Path) -> Path:
    entries = [(f"anomaly/{p.relative_to(PACKAGE).as_posix()}", p.read_bytes()) for p in package_files()]
    entries += [(zip_name, path.read_bytes()) for name in DEPENDENCIES for zip_name, path in dependency_files(name)]
    return _write(out_dir / JOB_ZIP, entries)


def dependency_files(name: str) -> list[tuple[str, Path]]:
    """(path in the zip, installed file) for one distribution: its modules and data, and its METADATA (pg8000 and
    scramp read their own version with importlib.metadata at import time)."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        raise PackagingError(
            f"{name} is not installed in this Python ({sys.executable}): the job ships it from here; "
            "install the pinned set: pip install -r requirements/job.txt"
        ) from None
    found = []
    for file in dist.files or []:
        parts = file.parts
        if "__pycache__" in parts or file.suffix == ".pyc" or parts[0].startswith(".."):
            continue
        if parts[0].endswith(".dist-info") and parts[-1] in _SKIP_META:  # METADATA, WHEEL and licences ship
            continue
        found.append((file.as_posix(), Path(dist.locate_file(file))))
    if not any(zip_name.endswith(".py") for zip_name, _ in found):
        raise PackagingError(f"{name} {dist.version}: no Python module found among its installed files")
    return found


def dependency_versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in DEPENDENCIES}


if __name__ == "__main__":  # python -m anomaly.package OUT_DIR
    print(build_job_package(Path(sys.argv[1] if len(sys.argv) > 1 else "build")))
