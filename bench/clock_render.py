"""Clock renderer throughput (images/s) for the `single`, `varied` and `photo-floor` presets, written to
docs/benchmarks.md.

Two measurements per preset:
- generate(): N images on all cores (what `ablab clock generate` does), wall time and CPU time (self + workers).
  The machine is shared, so the load average is recorded, and CPU ms/image (which load inflates much less than
  wall time) is reported beside images/s.
- one process, stage by stage (style sampling, dial, hands, camera resample, scene: the floor or the case,
  blur/light/noise/JPEG), to show where the time goes.

    .venv/bin/python bench/clock_render.py [--n 18000] [--workers 2] [--stage-n 1000] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

PRESETS = ("single", "varied", "photo-floor")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=18000, help="images per preset for the all-cores run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--stage-n", type=int, default=1000, help="images per preset for the stage breakdown")
    parser.add_argument("--size", type=int, default=150)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    return parser.parse_args()


def cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (the pool's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_generate(preset: str, n: int, workers: int, size: int) -> dict:
    """Wall and CPU time of generate() for n images on `workers` processes."""
    from ablab.clock.data.generate import generate

    load_before = os.getloadavg()[0]
    wall0, cpu0 = time.perf_counter(), cpu_seconds()
    generate(preset, n, size=size, seed=0, workers=workers)
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    return {"wall_s": wall, "cpu_s": cpu, "load": max(load_before, os.getloadavg()[0])}


def time_stages(preset: str, n: int, size: int) -> dict[str, float]:
    """Mean ms per image of each rendering stage, in one process (caches warmed on 50 images first)."""
    from PIL import ImageDraw

    from ablab.clock.draw.backdrop import lay_on_backdrop
    from ablab.clock.draw.camera import develop, photograph
    from ablab.clock.draw.case import compose_case
    from ablab.clock.draw.dial import draw_dial
    from ablab.clock.data.generate import sample_rng, sample_time
    from ablab.clock.draw.geometry import Dial
    from ablab.clock.draw.hands import draw_hands
    from ablab.clock.draw.presets import sample_style

    totals = dict.fromkeys(("style", "dial", "hands", "camera", "scene", "develop"), 0.0)
    for index in range(-50, n):
        rng = sample_rng(1, index % 1_000_000)
        hour, minute = sample_time(rng)
        marks = [time.perf_counter()]
        style = sample_style(preset, rng)
        marks.append(time.perf_counter())
        canvas = draw_dial(style, size)
        marks.append(time.perf_counter())
        draw_hands(ImageDraw.Draw(canvas), Dial.place(style.face, size), style.hands, hour, minute)
        marks.append(time.perf_counter())
        picture = photograph(canvas, style.camera, size, style.face.background_gray)
        marks.append(time.perf_counter())
        picture = compose_case(picture, style) if style.case.depth_frac_r > 0 else lay_on_backdrop(picture, style)
        marks.append(time.perf_counter())
        develop(picture, style.photo)
        marks.append(time.perf_counter())
        if index >= 0:
            for key, t0, t1 in zip(totals, marks, marks[1:]):
                totals[key] += t1 - t0
    return {key: 1000 * value / n for key, value in totals.items()}


def report(args, runs: dict, stages: dict) -> str:
    from _report import machine_line

    lines = [
        "## Clock renderer (`bench/clock_render.py`)",
        "",
        machine_line("n/a (numpy/Pillow)"),
        "",
        f"`generate()` of {args.n} images at {args.size}×{args.size} on {args.workers} processes (target: 18,000 in"
        " ≤ 20 s). CPU ms/image counts the workers' CPU time; the machine is shared, so its load average is shown.",
        "",
        "| preset | wall s | images/s | CPU s | CPU ms/image | CPU s / workers | load avg |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for preset, r in runs.items():
        lines.append(
            f"| {preset} | {r['wall_s']:.1f} | {args.n / r['wall_s']:.0f} | {r['cpu_s']:.1f} | "
            f"{1000 * r['cpu_s'] / args.n:.2f} | {r['cpu_s'] / args.workers:.1f} | {r['load']:.1f} |"
        )
    lines += [
        "",
        "CPU s / workers is the wall time the same work would take with the cores to itself (a load average above"
        " the core count means other processes were sharing them).",
    ]
    lines += ["", f"One process, {args.stage_n} images, ms/image by stage:", ""]
    keys = list(next(iter(stages.values())))
    lines += ["| preset | " + " | ".join(keys) + " | total |", "| --- |" + " ---: |" * (len(keys) + 1)]
    for preset, s in stages.items():
        lines.append(f"| {preset} | " + " | ".join(f"{s[k]:.3f}" for k in keys) + f" | {sum(s.values()):.3f} |")
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    runs = {p: time_generate(p, args.n, args.workers, args.size) for p in PRESETS}
    stages = {p: time_stages(p, args.stage_n, args.size) for p in PRESETS}
    body = report(args, runs, stages)
    print(body)
    if not args.no_write:
        from _report import write_section

        print(f"wrote {write_section('clock_render', body)}")


if __name__ == "__main__":
    main()
