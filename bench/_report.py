"""Write one benchmark's section of docs/benchmarks.md, between markers, keeping the other sections."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nEach section is written by its script in `bench/`; rerun the script to refresh it.\n"


def machine_line(backend: str) -> str:
    """Machine, backend and date, as every section states them."""
    cpu = platform.processor() or platform.machine()
    try:
        model = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
        cpu = model
    except (OSError, StopIteration):
        pass
    return (f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} · backend: {backend} · "
            f"date: {dt.date.today().isoformat()}")


def write_section(name: str, body: str) -> Path:
    """Replace (or append) the section `name` in docs/benchmarks.md."""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text() if DOC.exists() else HEADER
    begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
    section = f"{begin}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    DOC.write_text(text)
    return DOC


def time_v(text: str) -> dict:
    """The figures the benches take from `/usr/bin/time -v` output: wall, user and system seconds, minor page
    faults, peak resident memory (MB)."""

    def field(label: str) -> str:
        return re.search(rf"{re.escape(label)}: (.+)", text).group(1).strip()

    parts = [float(p) for p in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
    return {"wall_s": sum(p * 60 ** i for i, p in enumerate(reversed(parts))),
            "user_s": float(field("User time (seconds)")), "system_s": float(field("System time (seconds)")),
            "page_faults": int(field("Minor (reclaiming a frame) page faults")),
            "peak_mb": int(field("Maximum resident set size (kbytes)")) // 1024}
