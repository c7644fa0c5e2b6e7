"""Where bench scripts record what they measured: each appends its table to bench/RESULTS.md with the date, the
commit and the machine, so a figure in a README can always be traced to the run that produced it.

    from bench.results import record
    record("NAB, episodes", table_markdown, notes="...")   # --no-record in a script skips it
"""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
HEADER = (
    "# Bench results\n\n"
    "Appended by the scripts in bench/ (newest last), each with the date, the commit it measured and the machine.\n"
    "The machine is shared: speed figures carry an indicator of how busy it was; compare runs of one session.\n"
)


def commit() -> str:
    """The short commit id of the working tree, with `+changes` when files differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + ("+changes" if dirty else "")


def machine() -> str:
    """CPU model and count, memory, OS and Python: enough to tell two machines apart."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f", {total_kb / 2**20:.1f} GiB"
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{model}, {os.cpu_count()} cores{memory}, {system}"


def stamp() -> str:
    return f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, commit {commit()}, {machine()}"


def record(title: str, body: str, notes: str = "", path: Path = RESULTS) -> Path:
    """Append `## title` with the stamp line, the body (a markdown table) and optional notes."""
    if not path.exists():
        path.write_text(HEADER)
    text = f"\n## {title}\n\n_{stamp()}_\n\n{body.rstrip()}\n"
    if notes:
        text += f"\n{notes.rstrip()}\n"
    with path.open("a") as handle:
        handle.write(text)
    return path
