"""The report's own settings, end to end: `--profile full` for Tables 1–7 (3 seeds), resumable across calls.

    # here (network): wheels the GPU image lacks -> .whl/, the datasets packed -> runs/device-data/
    .venv/bin/python bench/full_profile.py prepare
    # on the GPU machine, one command per call (each call resumes the store it carries; see docs/studies.md):
    python3 bench/full_profile.py run --device --out $OUT            # carry: .whl runs/device-data runs/full
    # here, after a call: take the store back, render docs/full-report/ from its export, write docs/benchmarks.md
    .venv/bin/python bench/full_profile.py publish --from <files_at>
    # on this CPU: the reference CNN once at full settings (10 epochs, all data), timed
    .venv/bin/python bench/full_profile.py cpu-trial --store runs/cpu-trial/ablab.db
    # on this CPU: the same path on a slice (two rows of Table 6, MNIST, 1 epoch, 2,000 images, 1 seed)
    .venv/bin/python bench/full_profile.py run --slice --store runs/slice/ablab.db --out runs/slice --budget-s 60

`run` first measures, where there is a GPU, image-passes/s per trial and in aggregate for 1, 2, 4 and 8 trials
sharing it (`sweep.json`, once per store), takes the best packing as --gpus-per-trial, then runs the tables
(`ablab study run tableN --profile full`: 1, 7, 5, 6, then the MLP tables) until --budget-s is spent: the study run is
stopped there (its unfinished trials run again on the next call), and the store, its CSV export and progress.json
are copied to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from _full_profile_device import device_setup, gpu_name, pick_backend, prepare  # noqa: E402

# Table 5 before 6: Table 7's seven claims compare with Table 5's reference row, so it decides the most claims
TABLES = ("table1", "table7", "table5", "table6", "table2", "table3", "table4")
SWEEP_TRIALS = (1, 2, 4, 8)
SWEEP_EPOCHS = 2  # the second epoch's time is the steady state (the first includes compiling)
TRAIN_IMAGES = 55_000
REFERENCE_CNN = {"labels": "onehot", "optimizer": "rmsprop", "learning_rate": 0.001, "batch_size": 256,
                 "dropout": 0.4}  # Table 1's CNN for MNIST: the report's best CNN
SLICE_SET = {"epochs": 1, "train_subset": 2000, "valid_subset": 500, "test_subset": 2000}
STOP_GRACE_S = 20.0
POLL_S = 5.0


def ablab_command(backend: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "ablab.cli", "--backend", backend, *args]


def child_env() -> dict:
    env = dict(os.environ, PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p)
    return env


# --- the study runs -------------------------------------------------------------------------------------------


def slice_spec(folder: Path) -> Path:
    """Table 6's first two rows on MNIST, 1 seed, 1 epoch on 2,000 images: the CPU stand-in for the full run."""
    import yaml

    from ablab.studies.catalog import load_builtin

    spec = load_builtin("table6").model_dump(mode="json", exclude_none=True)
    group = spec["vary"][0]
    spec.update(name="table6-slice", title="Table 6 (slice): first two rows, MNIST, 1 epoch, 2,000 images",
                datasets=["mnist"], vary=[{**group, "rows": group["rows"][:2]}], grid=[])
    spec["profiles"] = {"full": {"seeds": 1, "set": SLICE_SET, "description": "CPU slice of bench/full_profile.py"}}
    path = folder / "table6-slice.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def release_interrupted(store_path: Path) -> int:
    """Trials left `running` by an earlier call (stopped at its budget, or on a machine since given back) are
    marked failed, so this call runs them again at once instead of waiting out another host's heartbeat."""
    from ablab.store import Store

    if not store_path.exists():
        return 0
    store = Store(store_path)
    running = store.trials(state="running")
    for row in running:
        store.fail(row.key, "interrupted: an earlier bench/full_profile.py call ran out of time")
    return len(running)


def study_keys(name_or_path: str) -> list[str]:
    from ablab.studies.catalog import resolve_spec
    from ablab.studies.expand import expand, unique_specs

    return [t.key for t in unique_specs(expand(resolve_spec(name_or_path), "full"))]


def finished_count(store_path: Path, keys: list[str]) -> int:
    from ablab.store import FINISHED, Store

    if not store_path.exists():
        return 0
    return sum(r.state in FINISHED for r in Store(store_path).trials(keys=keys))


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the study run's process group, then SIGKILL after a grace period (workers included)."""
    for sig, wait_s in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, STOP_GRACE_S)):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait_s)
            return
        except (ProcessLookupError, subprocess.TimeoutExpired):
            continue


def run_table(study: str, args, backend: str, fraction: float | None, deadline: float, log) -> dict:
    """One `ablab study run STUDY --profile full`, with a Rich bar of finished trials; stopped at the deadline."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    keys = study_keys(study)
    command = ablab_command(backend, "study", "run", study, "--profile", "full", "--store", str(args.store),
                            "--no-progress", *(["--cache-dir", str(args.cache_dir)] if args.cache_dir else []),
                            *(["--gpus-per-trial", str(fraction)] if fraction is not None else []))
    start = time.time()
    proc = subprocess.Popen(command, cwd=ROOT, env=child_env(), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    label = Path(study).stem
    with Progress(TextColumn(f"{label} (full)"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        task = bar.add_task(label, total=len(keys))
        while proc.poll() is None and time.time() < deadline:
            bar.update(task, completed=finished_count(args.store, keys))
            time.sleep(POLL_S)
        bar.update(task, completed=finished_count(args.store, keys))
    stopped = proc.poll() is None
    if stopped:
        stop(proc)
    done = finished_count(args.store, keys)
    return {"study": label, "trials": len(keys), "finished": done, "complete": done == len(keys),
            "stopped_at_budget": stopped, "exit_code": proc.returncode, "wall_s": round(time.time() - start, 1)}


# --- the GPU sweep --------------------------------------------------------------------------------------------


def sweep_spec(folder: Path, trials: int) -> Path:
    """`trials` copies (seeds) of the reference CNN on MNIST, 2 epochs, all data: one per concurrent worker."""
    import yaml

    spec = {"name": f"sweep-{trials}", "title": f"GPU sweep: {trials} concurrent trials", "model": "cnn",
            "datasets": ["mnist"], "base": {**REFERENCE_CNN, "epochs": SWEEP_EPOCHS},
            "seeds": list(range(100, 100 + trials)), "vary": [{"group": "Sweep", "rows": [{"label": "reference"}]}]}
    path = folder / f"sweep-{trials}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def sweep_point(folder: Path, trials: int, backend: str, args) -> dict:
    """Run `trials` reference CNNs at once on the GPU (fraction 1/trials) and measure them."""
    from ablab.store import Store

    store_path = folder / f"sweep-{trials}.db"
    command = ablab_command(backend, "study", "run", str(sweep_spec(folder, trials)), "--profile", "full", "--store",
                            str(store_path), "--workers", str(trials), "--gpus-per-trial", str(1 / trials),
                            "--no-progress", *(["--cache-dir", str(args.cache_dir)] if args.cache_dir else []))
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=child_env(), check=False, capture_output=True)
    wall_s = time.perf_counter() - start
    rows = [r for r in Store(store_path).trials() if r.state == "complete"]
    per_trial = [TRAIN_IMAGES / r.history["epoch_time_s"][-1] for r in rows if r.history.get("epoch_time_s")]
    return {"concurrent_trials": trials, "complete": len(rows), "per_trial_images_per_s": per_trial,
            "aggregate_steady_images_per_s": round(sum(per_trial), 1),
            "aggregate_with_startup_images_per_s": round(len(rows) * SWEEP_EPOCHS * TRAIN_IMAGES / wall_s, 1),
            "wall_s": round(wall_s, 1), "devices": sorted({r.device or "" for r in rows})}


def best_fraction(points: list[dict]) -> float:
    """The packing with the highest steady aggregate; a smaller one when within 5% (less memory, less risk)."""
    usable = [p for p in points if p["complete"] == p["concurrent_trials"]]
    if not usable:
        return 1.0
    top = max(p["aggregate_steady_images_per_s"] for p in usable)
    chosen = min(p["concurrent_trials"] for p in usable if p["aggregate_steady_images_per_s"] >= 0.95 * top)
    return 1 / chosen


def sweep(args, backend: str) -> dict:
    """The 1/2/4/8 sweep once per store (kept in sweep.json beside it, so later calls skip it)."""
    path = args.store.parent / "sweep.json"
    if path.exists():
        return json.loads(path.read_text())
    from rich.progress import Progress

    folder = args.store.parent / "sweep"
    folder.mkdir(parents=True, exist_ok=True)
    points = []
    with Progress() as bar:
        task = bar.add_task("GPU sweep (1/2/4/8 trials sharing it)", total=len(SWEEP_TRIALS))
        for trials in SWEEP_TRIALS:
            points.append(sweep_point(folder, trials, backend, args))
            bar.advance(task)
    result = {"gpu": gpu_name(), "backend": backend, "epochs": SWEEP_EPOCHS, "points": points,
              "chosen_gpus_per_trial": best_fraction(points)}
    path.write_text(json.dumps(result, indent=1))
    return result


# --- run, publish ---------------------------------------------------------------------------------------------


def copy_store(source: Path, target: Path) -> None:
    """A consistent one-file copy of a SQLite store (its WAL included), through SQLite's backup API: a plain file
    copy can miss trials still in `ablab.db-wal` after a stopped run."""
    import sqlite3

    target.unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def write_out(args, progress: dict) -> None:
    """Store, CSV export and progress.json into --out (what comes back from the GPU machine)."""
    from ablab.store import Store
    from ablab.store.export import write_export

    args.out.mkdir(parents=True, exist_ok=True)
    if args.store.exists():
        if args.out.resolve() != args.store.parent.resolve():
            copy_store(args.store, args.out / "ablab.db")
        write_export(Store(args.store), args.out / "results.csv")
    for name in ("sweep.json", "run.log"):  # run.log: the study runs' own output, for a failed call
        if (args.store.parent / name).exists() and args.out.resolve() != args.store.parent.resolve():
            shutil.copy2(args.store.parent / name, args.out / name)
    (args.out / "progress.json").write_text(json.dumps(progress, indent=1))


def load_progress(args) -> dict:
    path = args.store.parent / "progress.json"
    return json.loads(path.read_text()) if path.exists() else {"calls": []}


def run(args) -> None:
    start = time.time()
    deadline = start + args.budget_s
    if args.device:
        args.cache_dir = args.cache_dir or device_setup(ROOT)
    backend = args.backend or pick_backend()
    args.store.parent.mkdir(parents=True, exist_ok=True)
    released = release_interrupted(args.store)
    gpu = gpu_name()
    fraction = args.gpus_per_trial
    sweep_result = sweep(args, backend) if gpu and not args.slice and not args.no_sweep else None
    if fraction is None and sweep_result:
        fraction = sweep_result["chosen_gpus_per_trial"]
    studies = [str(slice_spec(args.store.parent))] if args.slice else list(args.tables)
    progress = load_progress(args)
    call = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "gpu": gpu or "none (cpu)", "backend": backend,
            "gpus_per_trial": fraction, "released_interrupted": released, "budget_s": args.budget_s, "studies": []}
    with (args.store.parent / "run.log").open("a") as log:
        for study in studies:
            if time.time() >= deadline:
                break
            call["studies"].append(run_table(study, args, backend, fraction, deadline, log))
    call["wall_s"] = round(time.time() - start, 1)
    call["load_average_1min"] = round(os.getloadavg()[0], 2)  # at the end of the call (2-core CPU: others' work)
    progress["calls"].append(call)
    (args.store.parent / "progress.json").write_text(json.dumps(progress, indent=1))
    write_out(args, progress)
    print(json.dumps(call, indent=1))


STORE_FILES = ("sweep.json", "progress.json")  # kept beside the store: the sweep's packing, the calls so far


def take_store(source: Path, store: Path) -> None:
    """The store file `source` and the STORE_FILES beside it to `store` and its folder."""
    store.parent.mkdir(parents=True, exist_ok=True)
    if source.exists():
        copy_store(source, store)
    for name in STORE_FILES:
        if (source.parent / name).exists():
            shutil.copyfile(source.parent / name, store.parent / name)


def prepare_here(args) -> None:
    """Here, before a session's GPU calls: the wheels and the datasets to carry, and runs/full/ to resume."""
    prepare(ROOT)
    seed_store(args)


def seed_store(args) -> None:
    """Before a session's first call: a fresh checkout has no runs/full, so the calls resume the published store
    (docs/full-report/store/) rather than start again from nothing."""
    published = args.report_dir / "store" / "ablab.db"
    if args.store.exists() or not published.exists():
        return
    take_store(published, args.store)
    print(f"{args.store}: seeded from {published} ({len(_complete_trials(args.store))} complete trials)")


def publish(args) -> None:
    """Take a call's files back into --store's folder, render docs/full-report/ from the export, write the
    benchmark section, and keep the store itself in docs/full-report/store/ (seed_store resumes from it)."""
    from _full_profile_docs import publish_report

    if args.from_dir:
        take_store(args.from_dir / "ablab.db", args.store)
    publish_report(args.store, args.report_dir, ablab_command(pick_backend()), child_env(), args.section)
    take_store(args.store, args.report_dir / "store" / "ablab.db")


def _complete_trials(store_path: Path) -> list:
    from ablab.store import Store

    return [r for r in Store(store_path).trials() if r.state == "complete"] if store_path.exists() else []


def _has_complete_trial(store_path: Path, seed: int | None = None) -> bool:
    return any(seed is None or r.seed == seed for r in _complete_trials(store_path))


CPU_TRIAL_SETS = ("model=cnn", "dataset=mnist", *(f"{k}={v}" for k, v in REFERENCE_CNN.items()), "epochs=10")


def cpu_trial(args) -> None:
    """The report's reference CNN (Table 1's CNN for MNIST, 10 epochs, all data) through `ablab train` on this
    machine with --seed, under /usr/bin/time -v (CPU seconds), unless --store already holds that seed; then the
    benchmark section, one row per seed the store holds (seed 0's logs are time.log/train.log, others
    time-seed{N}.log/train-seed{N}.log)."""
    from _full_profile_docs import cpu_trial_progress_section, cpu_trial_section, time_log

    sets = [arg for s in CPU_TRIAL_SETS[2:] for arg in ("--set", s)]
    train = ["train", "--model", "cnn", "--dataset", "mnist", *sets, "--seed", str(args.seed),
             "--store", str(args.store)]
    log, train_log = (args.store.parent / _log_name(stem, args.seed) for stem in ("time", "train"))
    if not _has_complete_trial(args.store, args.seed) and not args.report_only:
        args.store.parent.mkdir(parents=True, exist_ok=True)
        timer = ["/usr/bin/time", "-v", "-o", str(log)] if Path("/usr/bin/time").exists() else []
        with train_log.open("w") as out:  # Keras's per-epoch lines: the figures while it runs
            subprocess.run([*timer, *ablab_command(pick_backend(), *train)], cwd=ROOT, env=child_env(), check=True,
                           stdout=out)
    load = os.getloadavg()
    note = (f"Shared 2-core machine: other work ran beside it (load average {load[0]:.1f} at publishing), so the "
            "wall time is an upper bound; CPU seconds are each trial's own.")
    if not _has_complete_trial(args.store, args.seed):  # --report-only while it runs: the epochs so far
        cpu_trial_progress_section(train_log, "ablab " + " ".join(train), note)
        return
    rows = sorted(_complete_trials(args.store), key=lambda r: r.seed)
    timings = [time_log(args.store.parent / _log_name("time", r.seed)) for r in rows]
    cpu_trial_section(rows, timings, "ablab " + " ".join(train).replace(f"--seed {args.seed}", "--seed N"), note)


def _log_name(stem: str, seed: int) -> str:
    return f"{stem}.log" if seed == 0 else f"{stem}-seed{seed}.log"


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("prepare", "run", "publish", "cpu-trial"))
    parser.add_argument("--store", type=Path, default=ROOT / "runs" / "full" / "ablab.db")
    parser.add_argument("--out", type=Path, default=None, help="where run copies the store, export, progress")
    parser.add_argument("--budget-s", type=float, default=520.0, help="stop the tables after this many seconds")
    parser.add_argument("--tables", nargs="+", default=TABLES)
    parser.add_argument("--slice", action="store_true", help="CPU slice: two rows of Table 6, 1 epoch, 2,000 images")
    parser.add_argument("--device", action="store_true", help="on the GPU machine: wheels and data from the carry")
    parser.add_argument("--backend", default=None, help="default: tensorflow where installed, else jax")
    parser.add_argument("--gpus-per-trial", type=float, default=None, help="default: the sweep's best packing")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--from", dest="from_dir", type=Path, default=None, help="publish: a call's files")
    parser.add_argument("--report-dir", type=Path, default=ROOT / "docs" / "full-report")
    parser.add_argument("--section", default="full-profile", help="publish: the docs/benchmarks.md section")
    parser.add_argument("--report-only", action="store_true", help="cpu-trial: write the section, train nothing")
    parser.add_argument("--seed", type=int, default=0, help="cpu-trial: the trial's seed")
    args = parser.parse_args(argv)
    args.out = args.out or args.store.parent
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    {"prepare": prepare_here, "run": run, "publish": publish, "cpu-trial": cpu_trial}[args.action](args)


if __name__ == "__main__":
    main()
