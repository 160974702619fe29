"""Ship a trained clock reader with the package: copy it to `src/ablab/clock/read/shipped/reader.keras`, write its
card (`reader.json`: how it was trained, size, SHA-256, scores) and its section of docs/benchmarks.md.

Scores are taken on clocks it never trained on: its own test split (read as `ablab clock evaluate --data DIR`
reads it, with today's read path) and fresh `single` and `varied` sets drawn from a data seed the training set did
not use. Times: the file's load (warm-up included), one `read` of a PNG file (median), and the whole `ablab clock
read` command on three files (a new process: imports, load, reads), as a user waits for it.

    .venv/bin/python bench/ship_reader.py --model READER.keras --data DIR [--time-log FILE]
        [--fresh-seed 1000] [--no-write]

--data is what `ablab clock train` was given (its meta.json and its test split, split seed 0); --time-log is the
`/usr/bin/time -v` output of that training, for its wall and CPU time. Run on the reader already shipped (the same
SHA-256), it re-scores it with today's read path and keeps what the card says of its training.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

from ablab.cli import configure_backend  # noqa: E402

configure_backend([])  # the process as `ablab` sets it up (backend, allocators), so reads are timed as users wait

ROOT = Path(__file__).resolve().parents[1]
FILE_SIZE_PX = 600  # `small` drawn again at this size and read as files are: what a user's photo gives the reader
FIELDS = ("n", "mean_cse_min", "median_cse_min", "within_1min", "within_5min", "hour_accuracy")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--data", required=True, type=Path, help="the clock directory it was trained on")
    parser.add_argument("--time-log", type=Path, help="/usr/bin/time -v output of the training command")
    parser.add_argument("--fresh-seed", type=int, default=1000, help="data seed of the fresh test sets")
    parser.add_argument("--no-write", action="store_true", help="print only; ship nothing, leave the docs alone")
    return parser.parse_args()


def time_log(path: Path | None) -> dict:
    """Wall and CPU seconds and peak memory from `/usr/bin/time -v` output."""
    if path is None:
        return {}
    from _report import time_v

    t = time_v(path.read_text())
    return {"wall_s": round(t["wall_s"], 1), "cpu_s": round(t["user_s"] + t["system_s"], 1),
            "peak_rss_mb": t["peak_mb"]}


def fresh_scores(model: Path, seed: int, data: Path) -> tuple[dict, bytes]:
    """The reader's common-sense error on its own test split (`data`, split seed 0), on fresh `single` (500),
    `varied` (1,000) and `small` (500) clocks drawn with `seed`, and on 500 of each held-out style family (designs
    `varied` never draws); the "uncertain" threshold chosen on a validation draw (`varied`, 1,000, seed + 10), and
    what it flags of each set's wrong (> 1 min) and right readings. Readings under the threshold are searched for
    (PolarOptions.search_below), as `read` does. `small` is read again without the search and without the dial finder,
    `varied` and the ticks-only upright dials without the upright rule: what each buys. Returns (the scores, the
    worst held-out readings: npz bytes)."""
    from ablab.clock.data.generate import generate
    from ablab.clock.draw.held_out import HELD_OUT_FAMILIES
    from ablab.clock.read.metrics import mistakes_npz
    from ablab.clock.read.polar_stage import PolarOptions
    from ablab.clock.read.reader import load_reader
    from ablab.clock.read.train import validation_threshold

    reader = load_reader(model)
    valid = generate("varied", 1000, size=reader.input_size, seed=seed + 10)
    threshold = validation_threshold(reader, valid.images, valid.labels)  # as `clock train` chooses it
    if threshold is None:
        raise SystemExit(f"{model} reads none of the validation clocks right: not a reader to ship")
    scores = {"uncertain_below": round(threshold, 4), "validation_seed": seed + 10}
    mode = PolarOptions.searching(threshold)  # as `read` and `evaluate` read with it
    reader = reader.with_options(mode)
    scores["test"] = _test_scores(reader, data)
    unruled = reader.with_options(mode.with_upright_share(0.0))
    without = {"small": [("small_without_search", reader.with_options(mode.without_search())),
                         ("small_without_finder", reader.with_options(mode.without_search().without_finder()))],
               "varied": [("varied_without_upright_rule", unruled)],
               "upright-ticks": [("upright-ticks_without_upright_rule", unruled)]}
    sets = (("single", 500), ("varied", 1000), ("small", 500), *((family, 500) for family in HELD_OUT_FAMILIES))
    truth, read, images = [], [], []
    for preset, n in sets:
        _say(f"scoring fresh {preset} ({n} clocks, seed {seed})")
        clocks = generate(preset, n, size=reader.input_size, seed=seed)
        scores[preset], labels = _scored(reader, clocks, threshold)
        if preset in HELD_OUT_FAMILIES:
            truth.append(clocks.labels)
            read.append(labels)
            images.append(clocks.images)
        for key, other in without.get(preset, []):
            scores[key] = _summary(clocks.labels, other.read(clocks.images)[0])
    scores["held-out"] = _summary(np.concatenate(truth), np.concatenate(read))
    scores[f"small_{FILE_SIZE_PX}px"] = _file_scores(reader, seed, threshold)
    worst = mistakes_npz(np.concatenate(truth), np.concatenate(read), np.concatenate(images))
    return scores, worst


def _test_scores(reader, data: Path) -> dict:
    """The reader on the test split of the clock directory it trained on, as `ablab clock evaluate --data` reads it."""
    from ablab.clock.data.dataset import load
    from ablab.clock.read.reader import images_for
    from ablab.clock.read.train import evaluate_reader

    _say(f"scoring the test split of {data}")
    test = load(data).test
    metrics = evaluate_reader(reader, images_for(reader, test.images, str(data)), test.labels)
    return {k: metrics[k] for k in FIELDS}


def _file_scores(reader, seed: int, threshold: float) -> dict:
    """The `small` clocks of `seed` drawn at FILE_SIZE_PX and read as `ablab clock read` reads a file
    (reader.read_images: the dial finder and the search cut from the picture at its own resolution), as a user's
    photograph would be: at 150 px a dial 0.3 of the frame across is 45 px, too few for its numerals."""
    from ablab.clock.data.generate import generate
    from ablab.clock.read.reader import read_images

    _say(f"scoring fresh small clocks drawn at {FILE_SIZE_PX} px, read as files")
    clocks = generate("small", 500, size=FILE_SIZE_PX, seed=seed)
    readings = read_images(reader, list(clocks.images), [str(i) for i in range(len(clocks))], threshold)
    return _summary(clocks.labels, np.array([(r.hour, r.minute) for r in readings]))


def _say(text: str) -> None:
    """A progress line on stderr (each set takes 10 s to a few minutes; stdout carries the card's JSON)."""
    print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def _summary(truth, labels) -> dict:
    from ablab.clock.read.metrics import summarize

    summary = summarize(truth, labels)
    return {k: summary[k] for k in FIELDS}


def _scored(reader, clocks, threshold: float) -> tuple[dict, np.ndarray]:
    """(the FIELDS of the reader on `clocks`, with what "uncertain" flags and the batch read time; its readings)."""
    from ablab.clock.read.metrics import cse_minutes

    start = time.perf_counter()
    labels, confidence = reader.read(clocks.images)
    read_ms = 1000 * (time.perf_counter() - start) / len(clocks.images)
    errors_min, flagged = cse_minutes(clocks.labels, labels), confidence < threshold
    wrong = errors_min > 1
    return {**_summary(clocks.labels, labels), "wrong": int(wrong.sum()), "flagged_wrong": int((flagged & wrong).sum()),
            "flagged_right": int((flagged & ~wrong).sum()), "batch_read_ms": round(read_ms, 1)}, labels


def command_wall_s(model: Path, seed: int) -> tuple[float, str]:
    """Wall seconds of `ablab clock read` on three files (PNG, JPEG, PNG) in a new process, and what it printed."""
    from PIL import Image

    from ablab.clock.data.generate import generate

    clocks = generate("varied", 3, size=150, seed=seed + 1, workers=1)
    with tempfile.TemporaryDirectory() as tmp:
        files = [Path(tmp) / f"clock{k}{ext}" for k, ext in enumerate((".png", ".jpg", ".png"))]
        for image, path in zip(clocks.images, files):
            Image.fromarray(image).save(path)
        start = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).parent / "ablab"), "clock", "read", *map(str, files),
                               "--model", str(model)], capture_output=True, text=True, check=True)
        wall_s = time.perf_counter() - start
    truth = ", ".join(f"{(h or 12):02d}:{m:02d}" for h, m in clocks.labels)
    return wall_s, f"{done.stdout.strip()} (truth: {truth})"


def card_of(args, model: Path) -> tuple[dict, bytes]:
    """(The card of `model`, its worst held-out readings as npz bytes)."""
    meta = json.loads((args.data / "meta.json").read_text())
    scores, worst = fresh_scores(model, args.fresh_seed, args.data)
    test = scores.pop("test")
    blob = model.read_bytes()
    from clock_reader import read_latency_ms  # bench/clock_reader.py: the same timing as the reader's benchmark

    load_ms, read_ms = read_latency_ms(model, _one_image(args.fresh_seed), reads=30)
    cli_s, cli_out = command_wall_s(model, args.fresh_seed)
    return {
        "file": "reader.keras", "bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest(),
        "train_command": f"ablab clock generate --preset {meta.get('preset')} --n {meta.get('n')} --seed "
                         f"{meta.get('seed')} --out clocks && ablab clock train --data clocks --seed 0",
        "data": {k: meta.get(k) for k in ("preset", "n", "seed", "size")}, "train_seed": 0, "split_seed": 0,
        "commit": _commit(), "trained_on": _machine(), "shipped": time.strftime("%Y-%m-%d", time.gmtime()),
        "train_time": time_log(args.time_log),
        "test": test,
        "fresh": {"seed": args.fresh_seed, **scores}, "uncertain_below": scores["uncertain_below"],
        "load_ms": round(load_ms), "read_ms": round(read_ms, 1), "cli_three_files_s": round(cli_s, 1),
        "cli_output": cli_out,
    }, worst


def _one_image(seed: int):
    from ablab.clock.data.generate import generate

    return generate("varied", 1, size=150, seed=seed + 2, workers=1).images[0]


def _commit() -> str:
    done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip()


def _machine() -> str:
    from _report import machine_line

    return machine_line("tensorflow")


FAMILY_ROWS = (("unseen-fonts", "numerals in Computer Modern"), ("unseen-hands", "leaf and skeleton hands"),
               ("unseen-ticks", "wedge and ring hour marks"),
               ("upright-ticks", "ticks only, no 12 cue, hung upright"),
               ("upright-ticks_without_upright_rule", "… the same without the upright rule"),
               ("light-hands", "light hands on a light face, with shadows"),
               ("photo", "the report's kind of clock photographed on a floor"),
               ("held-out", "**all six families**"))


def _row(name: str, m: dict) -> str:
    return (f"| {name} | {m['n']} | {m['mean_cse_min']:.2f} | {m['median_cse_min']:.2f} | {m['within_1min']:.3f} | "
            f"{m['within_5min']:.3f} | {m['hour_accuracy']:.3f} |")


def render(card: dict) -> str:
    t, tt = card["test"], card["train_time"]
    f = card["fresh"]
    rows = [("own test split (varied, 2,400)", t), (f"fresh single (seed {f['seed']})", f["single"]),
            (f"fresh varied (seed {f['seed']})", f["varied"]),
            (f"fresh small: dial 0.3–0.5 of the frame, off centre (seed {f['seed']})", f["small"]),
            ("… the same small clocks without the search", f.get("small_without_search")),
            ("… without the search or the dial finder", f["small_without_finder"]),
            (f"… the same small clocks drawn at {FILE_SIZE_PX} px, read as `read` reads files",
             f.get(f"small_{FILE_SIZE_PX}px"))]
    rows = [(name, m) for name, m in rows if m]
    lines = [
        "## The shipped clock reader (`bench/ship_reader.py`)", "", card["trained_on"], "",
        f"`src/ablab/clock/read/shipped/reader.keras`: {card['bytes'] / 1e6:.1f} MB (float32; under the 20 MB limit, "
        f"so not shrunk), SHA-256 `{card['sha256'][:16]}…`. Trained with `{card['train_command']}` at commit "
        f"{card['commit']}" + (f": {tt['wall_s'] / 60:.1f} min wall, {tt['cpu_s'] / 60:.1f} CPU-min, peak "
                               f"{tt['peak_rss_mb']} MB (generation not included)." if tt else "."), "",
        "| clocks (never trained on) | n | mean (min) | median (min) | within 1 min | within 5 min | hour right |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    if "varied_without_upright_rule" in f:
        rows.insert(3, ("… the same varied clocks without the upright rule", f["varied_without_upright_rule"]))
    lines += [_row(name, m) for name, m in rows]
    if "held-out" in f:
        lines += ["", f"Held-out style families: designs `varied` never draws (`ablab.clock.draw.families`), "
                  f"{f['photo']['n']} clocks each, seed {f['seed']}. The upright rule (a dial that shows no 12 is read "
                  f"as hanging upright) was worked out on another draw of `upright-ticks` (seed 2000), so that family "
                  f"is unseen by the network, not by the rule.", "",
                  "| family (never trained on) | n | mean (min) | median (min) | within 1 min | within 5 min | "
                  "hour right |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        lines += [_row(label, f[key]) for key, label in FAMILY_ROWS if key in f]
    lines += ["", f"`read` says \"uncertain\" below confidence {card['uncertain_below']:.3f}: "
              "the 1st percentile of the "
              f"confidence of right readings (within 1 min) on a validation draw (`varied`, 1,000, seed "
              f"{f['validation_seed']}). On the fresh sets it flags "
              + "; ".join(f"{p}: {f[p]['flagged_wrong']} of {f[p]['wrong']} wrong readings and {f[p]['flagged_right']} "
                          f"of {f[p]['n'] - f[p]['wrong']} right ones" for p in ("single", "varied", "small")) + "."]
    lines += ["", f"Load (warm-up included): {card['load_ms']} ms; one `read` of a PNG file: {card['read_ms']} ms "
              f"(median of 30); `ablab clock read` on three files (PNG, JPEG, PNG) in a new process, imports "
              f"included: {card['cli_three_files_s']} s. It printed: {card['cli_output']}", "",
              "The held-out families are still our renderer's drawings: the report's real photographs and other "
              "programs' faces are harder (docs/clock_reader.md)."]
    if "scored" in card:
        sc = card["scored"]
        lines[5:5] = ["", f"Scored again on {sc['date']} at commit {sc['commit']} ({sc['machine']}); the reader's "
                          f"bytes are those shipped on {card['shipped']}."]
    return "\n".join(lines)


TRAINING_FACTS = ("train_command", "data", "commit", "trained_on", "shipped", "train_time")


def kept_training_facts(card: dict, old_card: Path) -> dict:
    """Re-scoring the reader already shipped (same SHA-256): keep what its card says of its training (commit,
    machine, date, time), and date the new scores apart (its test split is scored again: the read path may have
    changed)."""
    old = json.loads(old_card.read_text()) if old_card.is_file() else {}
    if old.get("sha256") != card["sha256"]:
        return card
    return {**card, **{k: old[k] for k in TRAINING_FACTS if k in old},
            "scored": {"date": time.strftime("%Y-%m-%d", time.gmtime()), "commit": _commit(), "machine": _machine()}}


def main() -> None:
    args = parse_args()
    shipped = ROOT / "src" / "ablab" / "clock" / "read" / "shipped"
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "reader.keras"
        shutil.copyfile(args.model, model)
        card, worst = card_of(args, model)
        card = kept_training_facts(card, shipped / "reader.json")
        print(json.dumps(card, indent=1))
        if args.no_write:
            return
        shutil.copyfile(model, shipped / "reader.keras")
    (shipped / "reader.json").write_text(json.dumps(card, indent=1) + "\n")
    (shipped / "worst.npz").write_bytes(worst)
    from _report import write_section

    write_section("shipped_reader", render(card))


if __name__ == "__main__":
    main()
