"""The Glue job package (anomaly/package.py): deterministic bytes, pinned dependencies, nothing the job does not run."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from anomaly.package import build_job_package, dependency_versions
from tests.conftest import PROJECT


def test_the_job_zip_carries_no_plotting_library(tmp_path):
    """The offline tool's --plot dependency never ships to Glue."""
    with zipfile.ZipFile(build_job_package(tmp_path)) as archive:
        names = archive.namelist()
    assert not [n for n in names if n.split("/")[0] in {"matplotlib", "PIL", "contourpy", "kiwisolver", "fontTools"}]
    assert "anomaly/detector.py" in names and "anomaly/surprise.py" in names and "anomaly/__main__.py" not in names


def test_job_package_is_deterministic_and_carries_pg8000(tmp_path):
    first = build_job_package(tmp_path / "a")
    second = build_job_package(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    names = zipfile.ZipFile(first).namelist()
    assert "anomaly/detector.py" in names and "anomaly/schemas/sensor_event.schema.json" in names
    assert "anomaly/sensor_stream_job.py" not in names and not any(n.endswith(".pyc") for n in names)
    tops = {n.split("/")[0] for n in names}
    assert {t.split("-")[0] for t in tops if t.endswith(".dist-info")} == {
        "pg8000",
        "scramp",
        "asn1crypto",
        "python_dateutil",
        "six",
    }
    assert tops - {t for t in tops if t.endswith(".dist-info")} == {
        "anomaly",
        "pg8000",
        "scramp",
        "asn1crypto",
        "dateutil",
        "six.py",
    }
    assert not any("RECORD" in n or "INSTALLER" in n for n in names)


def test_the_shipped_versions_are_the_pinned_ones():
    for requirements in ("job.txt", "platform.txt"):
        pins = dict(
            line.strip().split("==")
            for line in (PROJECT / "requirements" / requirements).read_text().splitlines()
            if "==" in line and not line.startswith("#")
        )
        pins = {name.lower(): version for name, version in pins.items()}
        for name, version in dependency_versions().items():
            assert pins.get(name.lower()) == version, f"requirements/{requirements}: {name}"


def test_pg8000_imports_from_the_shipped_zip_alone_in_a_clean_interpreter(tmp_path):
    package = build_job_package(tmp_path)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "import pg8000.native, scramp, anomaly.aurora as a, anomaly.event_schema as e, importlib.metadata as m; "
        "assert all(p == sys.argv[1] or 'python3' in p and 'site-packages' not in p for p in sys.path if p), sys.path; "
        "print(pg8000.native.__file__, m.version('pg8000'), a.APP_ROLE, e.event_schema()['title'])"
    )
    # -I: no environment variables, no user site; -S: no site-packages at all. Only the standard library and the zip.
    run = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe, str(package)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "sensor-job-package.zip/pg8000/native.py 1.31.6 anomaly_writer Sensor event" in run.stdout
    assert str(PROJECT) not in run.stdout
