"""TensorFlow's CPU allocator and glibc's malloc: `ablab clock train` on a small set of `varied` clocks, under
`/usr/bin/time -v`, in three settings taken in turn (SETTINGS: TensorFlow's default allocator; its pooling (BFC)
one; pooling with malloc keeping freed memory, ablab's own); writes its section of docs/benchmarks.md. The
measurement behind `ablab.cli.configure_backend` turning the pooling allocator on and `ablab.cli.keep_freed_memory`.

    .venv/bin/python bench/cpu_allocator.py [--n 1200] [--rounds 1] [--no-write]

Each run trains the best reader's two stages (the point reader 1 epoch, the polar reader its own epochs) on 80% of
--n clocks (seed 7, float32) and scores its test split: the runs must agree on it (the same reader).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

from _report import machine_line, time_v, write_section  # noqa: E402

ABLAB = Path(sys.executable).parent / "ablab"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1200, help="clocks generated (80% train)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of the three settings, run in turn")
    parser.add_argument("--no-write", action="store_true", help="print only; leave the docs alone")
    return parser.parse_args()


# setting → (TF_CPU_ALLOCATOR_USE_BFC, GLIBC_TUNABLES): glibc's own default mmap_max in the environment is a malloc
# tuning of the user's, so `ablab` leaves malloc as it is; without it, `ablab` keeps freed memory
GLIBC_DEFAULT = "glibc.malloc.mmap_max=65536"
SETTINGS = {"default": ("false", GLIBC_DEFAULT), "pooling (BFC)": ("true", GLIBC_DEFAULT),
            "pooling, freed memory kept": ("true", None)}


def timed_train(data: Path, out: Path, setting: str) -> dict:
    """One `ablab clock train` under /usr/bin/time -v: wall, user, system s, minor page faults, peak MB, test mean."""
    pooling, tunables = SETTINGS[setting]
    env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    env.update(TF_CPU_ALLOCATOR_USE_BFC=pooling, TF_CPP_MIN_LOG_LEVEL="3")
    if tunables:
        env["GLIBC_TUNABLES"] = tunables
    command = ["/usr/bin/time", "-v", str(ABLAB), "clock", "train", "--data", str(data), "--epochs", "1",
               "--seed", "0", "--out", str(out / "reader.keras"), "--store", str(out / "ablab.db"),
               "--set", "precision=float32"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    text = done.stderr + done.stdout
    t = time_v(text)
    return {"setting": setting, "wall_s": round(t["wall_s"], 1), "user_s": t["user_s"], "system_s": t["system_s"],
            "page_faults_m": round(t["page_faults"] / 1e6, 1), "peak_mb": t["peak_mb"],
            "test_mean_min": float(re.search(r"mean_cse_min\s*│\s*([0-9.]+)", text).group(1))}


def render(runs: list[dict], n: int) -> str:
    rows = [f"| {r['setting']} | {r['wall_s']:.0f} | {r['user_s']:.0f} | "
            f"{r['system_s']:.0f} | {r['page_faults_m']} | {r['peak_mb']} | {r['test_mean_min']:.2f} |" for r in runs]
    return "\n".join([
        "## TensorFlow's CPU allocator and glibc's malloc (`bench/cpu_allocator.py`)", "", machine_line("tensorflow"),
        "", f"`ablab clock train` on {n} `varied` clocks (seed 7; 80% train: the point reader 1 epoch, the polar "
        "reader its epochs; float32), the three settings in turn. TensorFlow's default allocator hands each large "
        "tensor back to the system, so every step faults its pages in anew; the pooling one keeps them. Its kernels "
        "still allocate and free large work buffers through malloc, which maps each anew: `ablab` has malloc keep "
        "freed memory (`ablab.cli.keep_freed_memory`). `ablab` sets both for TensorFlow unless the environment sets "
        "`TF_CPU_ALLOCATOR_USE_BFC` or tunes malloc in `GLIBC_TUNABLES`.", "",
        "| allocator | wall s | user s | system s | page faults (M) | peak MB | test mean (min) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |", *rows])


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "clocks"
        subprocess.run([str(ABLAB), "clock", "generate", "--preset", "varied", "--n", str(args.n), "--seed", "7",
                        "--out", str(data)], check=True, capture_output=True)
        runs = []
        for k in range(len(SETTINGS) * args.rounds):
            out = Path(tmp) / f"run{k}"
            runs.append(timed_train(data, out, list(SETTINGS)[k % len(SETTINGS)]))
            print(json.dumps(runs[-1]), flush=True)
    if not args.no_write:
        write_section("cpu_allocator", render(runs, args.n))


if __name__ == "__main__":
    main()
