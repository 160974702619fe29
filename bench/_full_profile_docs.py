"""bench/full_profile.py's outputs in docs: docs/full-report/ (rendered from the CSV export, with a README that
says which machine and how long) and its section of docs/benchmarks.md."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from _report import machine_line, time_v, write_section


SLICE_NOTE = ("CPU slice: Table 6's first two rows on MNIST, 1 seed, 1 epoch on 2,000 images (validated on 500, tested "
              "on 2,000); the first call stopped at its budget with both trials running, the second released them "
              "and ran them again, then the store was exported and rendered with `ablab report --results`.")


def _load_json(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def store_summary(store_path: Path) -> dict:
    """Finished trials, their devices and summed trial time, per study of the store's full profile."""
    from ablab.store import FINISHED, Store
    from ablab.store.studies import StudyIndex

    store = Store(store_path)
    trials = {t.key: t for t in store.trials()}
    studies = {}
    for m in StudyIndex(store).memberships(profile="full"):
        entry = studies.setdefault(m.study, {"keys": set(), "finished": set()})
        entry["keys"].add(m.key)
        if m.key in trials and trials[m.key].state in FINISHED:
            entry["finished"].add(m.key)
    finished = [t for t in trials.values() if t.state in FINISHED]
    return {"studies": {name: (len(e["finished"]), len(e["keys"])) for name, e in studies.items()},
            "devices": sorted({t.device or "not recorded" for t in finished}),
            "trial_time_s": sum(t.wall_time_s or 0.0 for t in finished), "finished": len(finished)}


def sweep_lines(sweep: dict | None) -> list[str]:
    if not sweep:
        return ["No GPU sweep yet (it runs on the first `run` on a GPU machine)."]
    lines = [f"GPU sweep on {sweep['gpu']} ({sweep['backend']}), the reference CNN, {sweep['epochs']} epochs, all "
             "55,000 images; image-passes/s from each trial's last (steady) epoch:", "",
             "| trials sharing the GPU | per trial (median) | aggregate, steady | aggregate incl. start-up "
             "| wall (s) |",
             "| --- | --- | --- | --- | --- |"]
    for p in sweep["points"]:
        per = sorted(p["per_trial_images_per_s"])
        median = per[len(per) // 2] if per else float("nan")
        lines.append(f"| {p['concurrent_trials']} | {median:,.0f} | {p['aggregate_steady_images_per_s']:,.0f} | "
                     f"{p['aggregate_with_startup_images_per_s']:,.0f} | {p['wall_s']} |")
    lines += ["", f"Chosen: --gpus-per-trial {sweep['chosen_gpus_per_trial']:g} (best aggregate; the smaller packing "
              "when within 5%)."]
    return lines


def calls_lines(progress: dict | None) -> list[str]:
    if not progress or not progress.get("calls"):
        return ["No `run` call recorded."]
    lines = ["| call started | GPU | backend | gpus/trial | wall (s) | load avg at end | studies (finished/trials) |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for c in progress["calls"]:
        studies = ", ".join(f"{s['study']} {s['finished']}/{s['trials']}" + (" (stopped at budget)"
                            if s["stopped_at_budget"] else "") for s in c["studies"])
        lines.append(f"| {c['started']} | {c['gpu']} | {c['backend']} | {c['gpus_per_trial']} | {c['wall_s']} | "
                     f"{c.get('load_average_1min', '–')} | {studies} |")
    return lines


def readme(summary: dict, progress: dict | None, sweep: dict | None) -> str:
    calls_s = sum(c["wall_s"] for c in (progress or {}).get("calls", []))
    tables = "\n".join(f"- {name}: {done}/{total} trials finished" + (" — complete" if done == total else "")
                       for name, (done, total) in sorted(summary["studies"].items()))
    return "\n".join([
        "# ablab at the report's settings (`--profile full`)", "",
        "Rendered by `bench/full_profile.py publish` with `ablab report --results results.csv` from the CSV export "
        "of the store that `bench/full_profile.py run` filled (`results.csv` here: every trial, its config, curves, "
        "device and time). `store/` keeps the store itself with the sweep and the calls so far; "
        "`bench/full_profile.py prepare` copies it to runs/full/ on a fresh checkout, so the next GPU call resumes it.",
        "",
        f"Devices: {', '.join(summary['devices']) or 'none yet'}; {summary['finished']} finished trials, summed trial "
        f"time {summary['trial_time_s']:,.0f} s ({summary['trial_time_s'] / 3600:.2f} h); wall time of the runs "
        f"{calls_s:,.0f} s.", "", "Studies:", "", tables or "- none", "", *sweep_lines(sweep), "",
        "Runs:", "", *calls_lines(progress), "",
        "A study that is not complete shows its finished cells only; its verdicts can change as the rest runs.", ""])


def publish_report(store_path: Path, report_dir: Path, ablab: list[str], env: dict, section: str) -> None:
    """Export the store to report_dir/results.csv, render the report from it, write README.md and the section."""
    from ablab.store import Store
    from ablab.store.export import write_export

    report_dir.mkdir(parents=True, exist_ok=True)
    csv_path = report_dir / "results.csv"
    write_export(Store(store_path), csv_path)
    subprocess.run([*ablab, "report", "--results", str(csv_path), "--out", str(report_dir), "--profile", "full"],
                   check=True, env=env)
    summary = store_summary(store_path)
    progress, sweep = _load_json(store_path.parent / "progress.json"), _load_json(store_path.parent / "sweep.json")
    (report_dir / "README.md").write_text(readme(summary, progress, sweep))
    title = "The report's settings, end to end" if section == "full-profile" else f"Full-profile path ({section})"
    what = SLICE_NOTE if "slice" in section else ""
    write_section(section, "\n".join([
        f"## {title} (`bench/full_profile.py`)", "",
        machine_line(ablab[ablab.index("--backend") + 1]) + " (publishing machine; the runs' machines below)", "",
        f"Store {store_path.name}: {summary['finished']} finished trials on {', '.join(summary['devices']) or '–'}, "
        f"summed trial time {summary['trial_time_s']:,.0f} s. Report: `{report_dir.name}/`. {what}", "",
        *sweep_lines(sweep), "", *calls_lines(progress)]))
    print(f"wrote {report_dir}/index.html, README.md and results.csv; docs/benchmarks.md section {section}")


def time_log(path: Path) -> dict:
    """The figures of a `/usr/bin/time -v` log (_report.time_v: wall, user and system CPU seconds, peak memory);
    empty if the trial left none."""
    return time_v(path.read_text()) if path.exists() else {}


def cpu_trial_section(rows: list, timings: list[dict], command: str, load_note: str) -> None:
    """docs/benchmarks.md: the report's reference CNN (Table 1's CNN for MNIST) at full settings on this CPU, one
    row per seed, and their mean."""
    lines = []
    for row, timing in zip(rows, timings):
        epochs = row.history.get("epoch_time_s") or []
        cpu_s = float(timing.get("user_s", 0)) + float(timing.get("system_s", 0))
        lines.append(f"| {row.seed} | {row.test_accuracy:.4f} | {row.test_loss:.4f} | {len(epochs)} | "
                     f"{timing.get('wall_s', row.wall_time_s):,.0f} | {cpu_s:,.0f} | {row.fit_time_s:,.0f} | "
                     f"{55_000 * len(epochs) / max(sum(epochs), 1e-9):,.0f} | {timing.get('peak_mb', 0):,} | "
                     f"{', '.join(f'{t:.0f}' for t in epochs)} |")
    accuracies = [r.test_accuracy for r in rows]
    write_section("full-profile-cpu-trial", "\n".join([
        "## Full-profile CNN trials on this CPU (`bench/full_profile.py cpu-trial --seed N`)", "",
        machine_line(rows[0].backend or "tensorflow") + f" · device: {rows[0].device or 'not recorded'}", "",
        f"Command: `{command}` (Table 1's CNN for MNIST: the trials of that cell of `table1 --profile full`). "
        "The report: test accuracy 0.994.", "",
        "| seed | test accuracy | test loss | epochs | wall (s) | CPU user+sys (s) | fit (s) | train image-passes/s "
        "| peak RSS (MB) | per-epoch training time (s) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |", *lines, "",
        f"Mean test accuracy over {len(rows)} seed(s): {sum(accuracies) / len(accuracies):.4f}. {load_note}"]))


def keras_epochs(train_log: Path) -> list[dict]:
    """Keras's verbose=2 epoch lines ("215/215 - 981s - ... - val_accuracy: 0.9772 - ..."): seconds and metrics."""
    epochs = []
    for line in train_log.read_text().splitlines() if train_log.exists() else []:
        parts = [p.strip() for p in line.split(" - ")]
        if len(parts) > 2 and parts[1].endswith("s") and parts[1][:-1].isdigit():
            metrics = dict(p.split(": ", 1) for p in parts[2:] if ": " in p)
            epochs.append({"seconds": int(parts[1][:-1]), **{k: float(v) for k, v in metrics.items()}})
    return epochs


def cpu_trial_progress_section(train_log: Path, command: str, load_note: str) -> None:
    """docs/benchmarks.md while the CPU trial still runs: the epochs it has finished, stated as such."""
    import datetime as dt

    epochs = keras_epochs(train_log)
    rows = [f"| {i + 1} | {e['seconds']} | {e.get('accuracy', float('nan')):.4f} "
            f"| {e.get('val_accuracy', float('nan')):.4f} |"
            for i, e in enumerate(epochs)]
    write_section("full-profile-cpu-trial", "\n".join([
        "## One full-profile CNN trial on this CPU (`bench/full_profile.py cpu-trial`)", "",
        machine_line("tensorflow"), "",
        f"Command: `{command}` (Table 1's CNN for MNIST, seed 0, the same trial as that cell of `table1 --profile "
        "full`).", "",
        f"**Still running** at {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC: {len(epochs)} of 10 epochs "
        "done, so no test accuracy yet (the report: 0.994 MNIST). `bench/full_profile.py cpu-trial --store STORE "
        "--report-only` rewrites this section with the test accuracy, wall and CPU time once it has finished.", "",
        "| epoch | seconds | train accuracy | valid accuracy |", "| --- | --- | --- | --- |", *rows, "", load_note]))
