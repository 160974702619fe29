"""The report's Task 3 section: blocks (tables, notes, images) and PNGs for each clock study in the store.

Per encoding: mean ± 95% CI over seeds of the mean, median, share within 1 and 5 min and hour accuracy, beside
the report's stated outcome, with why an encoding is at chance; the report's outcomes as quoted; an error
histogram and the worst readings of the best encoding, from the artifacts its trials stored.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ablab.report.clock import (
    CHANCE_MIN, LEARNS_BELOW_MIN, REPORT_SECTIONS, SHIPPED_ARTIFACT, SHIPPED_WORST_ARTIFACT, EncodingSummary, best,
    clock_studies, clock_time, interval_text, report_outcome, stored_errors, summarize_encodings, why_not,
    worst_readings,
)
from ablab.report.document import Block, Heading, Image, Paragraph, Table
from ablab.report.load import Cell, ReportData
from ablab.report.plots import error_histogram, image_grid
from ablab.store.studies import bytes_to_arrays

WORST_SHOWN = 12


def _percent(i) -> str:
    if i.mean is None:
        return "–"
    return f"{100 * i.mean:.1f}%" if i.low is None else f"{100 * i.mean:.1f} ± {100 * i.half_width:.1f}%"


def settings_text(cells: list[Cell]) -> str:
    """What the clock trials used, from their stored configs and metrics (so every reduction is visible)."""
    configs = [c.config for c in cells if c.config]
    if not configs:
        return "No trial has run yet."

    def values(field) -> str:
        return ", ".join(sorted({str(c.get(field)) for c in configs}))

    tests = sorted({c.metrics.get("n") for c in cells if c.metrics.get("n")})
    return (f"Settings of these trials (from the stored configs): {values('preset')} clocks at {values('image_size')} "
            f"px, {values('n_images')} images made with data seed {values('data_seed')} (split 80/10/10; "
            f"{', '.join(map(str, tests)) or '–'} test images), model {values('model')}, {values('epochs')} epochs, "
            f"batch {values('batch_size')}, learning rate {values('lr')}, seeds {sorted({c.seed for c in cells})}.")


def encoding_table(summaries: list[EncodingSummary], reference) -> Table:
    headers = ["encoding", "report §", "n", "mean error (min, 95% CI)", "median (min)", "within 1 min", "within 5 min",
               "hour accuracy", "report's outcome", "status", "why"]
    body, classes = [], []
    for s in summaries:
        i = s.intervals
        body.append([s.encoding, REPORT_SECTIONS.get(s.encoding, "–"), str(s.mean.n), interval_text(s.mean),
                     interval_text(i["median_cse_min"]), _percent(i["within_1min"]), _percent(i["within_5min"]),
                     _percent(i["hour_accuracy"]), report_outcome(reference, s.encoding), s.status,
                     why_not(s, summaries)])
        classes.append({"learns": "verdict-confirmed", "at chance": "verdict-refuted"}.get(s.status, ""))
    return Table(headers, body, classes, numeric={2, 3, 4, 5, 6, 7})


def outcomes_table(reference) -> Table:
    """The report's Task 3 outcomes as transcribed (package data), with the sentence each comes from."""
    rows = [[r.section, r.approach, r.encoding, r.metric, "not obtained" if r.value is None else f"{r.value:g}",
             r.quote] for r in reference]
    return Table(["§", "approach", "our encoding", "metric", "value", "the report says"], rows, numeric={4})


def histogram_blocks(data: ReportData, top: EncodingSummary, study: str, out: Path) -> list[Block]:
    per_seed = stored_errors(data, top)
    if not per_seed:
        return [Paragraph(f"No stored test errors for {top.encoding} (trials run before errors were stored).",
                          note=True)]
    errors = np.concatenate([a["errors_min"] for _, a in sorted(per_seed.items())])
    title = (f"{top.encoding} (best): error of {len(errors)} test readings over {len(per_seed)} seeds; "
             f"mean {errors.mean():.1f} min, chance {CHANCE_MIN:.0f}")
    path = error_histogram(errors, title, out / f"{study}-errors.png")
    return [Image(path.name, f"{top.encoding}: histogram of common-sense errors; dashed: a guessing reader")]


def worst_blocks(data: ReportData, top: EncodingSummary, study: str, out: Path) -> list[Block]:
    rows = worst_readings(stored_errors(data, top), WORST_SHOWN)
    blocks: list[Block] = [Heading(3, f"Worst readings of {top.encoding}", f"{study}-worst")]
    if not rows:
        return blocks + [Paragraph("No stored readings.", note=True)]
    captions = [f"#{k + 1} true {clock_time(r['true'])} read {clock_time(r['pred'])}" for k, r in enumerate(rows)]
    path = image_grid([r["image"] for r in rows], captions, f"{top.encoding}: the {len(rows)} largest errors over all "
                      "seeds (test images)", out / f"{study}-worst.png")
    table = Table(["#", "seed", "test image", "true", "read", "error (min)"],
                  [[str(k + 1), str(r["seed"]), str(r["index"]), clock_time(r["true"]), clock_time(r["pred"]),
                    str(r["error_min"])] for k, r in enumerate(rows)], numeric={0, 1, 2, 5})
    return blocks + [Image(path.name, f"{top.encoding}: worst readings"), table]


def write_clock_csv(summaries: list[EncodingSummary], path: Path) -> None:
    """One row per encoding: n and the mean and 95% interval of every metric."""
    from ablab.report.clock import METRICS

    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["encoding", "n", "status"] + [f"{m}_{p}" for m in METRICS for p in ("mean", "low", "high")])
        for s in summaries:
            w.writerow([s.encoding, s.mean.n, s.status]
                       + [v for m in METRICS for v in (s.intervals[m].mean, s.intervals[m].low, s.intervals[m].high)])


SHIPPED_ROWS = (("single", "fresh `single` clocks (the report's kind: one clock, any rotation, a fifth mirrored)"),
                ("varied", "fresh `varied` clocks (any of our designs)"),
                ("small", "fresh `small` clocks (a varied dial at 0.3–0.5 of the frame, off centre, on clutter)"),
                ("small_without_search", "… the same, without searching the picture for the dial"),
                ("small_without_finder", "… without the search or the dial finder"),
                ("small_600px", "… the same clocks drawn at 600 px, read as `ablab clock read` reads files"))
HELD_OUT_ROWS = (("unseen-fonts", "numerals in a type family it never saw (Computer Modern)"),
                 ("unseen-hands", "leaf and skeleton (outline) hands"), ("unseen-ticks", "wedge and ring hour marks"),
                 ("upright-ticks", "ticks only, no 12 cue, hung upright"),
                 ("light-hands", "light hands on a light face, seen by their shadows"),
                 ("photo", "the report's kind of clock photographed on wood, carpet or tiles, with glare"),
                 ("held-out", "all six families"))


def shipped_reader_blocks(data: ReportData, out: Path) -> list[Block]:
    """Task 3 as ablab reads it: the figures of the reader that ships with ablab, from its card, and its worst
    readings of the held-out families (none: no blocks)."""
    stored = data.artifacts.get(SHIPPED_ARTIFACT)
    if not stored:
        return []
    card = stored[2]
    fresh = card.get("fresh", {})
    columns = ["clocks", "n", "mean error (min)", "median (min)", "within 1 min", "hour right"]
    held_out = _score_rows(fresh, HELD_OUT_ROWS)
    return [
        Heading(2, "Task 3 as ablab reads it: the reader that ships", "shipped-reader"),
        Paragraph(f"ablab's own clock reader (a point reader, then a polar reader of the unwrapped dial; "
                  f"docs/clock_reader.md), trained once with `{card.get('train_command', '?')}` and shipped in the "
                  f"package ({card.get('bytes', 0) / 1e6:.1f} MB). Scored when it was shipped "
                  f"({card.get('shipped', '?')}, "
                  f"bench/ship_reader.py) on clocks drawn from data seed {fresh.get('seed', '?')}, which it never "
                  f"trained on. The report's networks ended at chance ({CHANCE_MIN:.0f} min)."),
        Table(columns, _score_rows(fresh, SHIPPED_ROWS), numeric={1, 2, 3, 4, 5}),
        *([Paragraph("Designs it never saw: whole style families the `varied` preset never draws "
                     "(ablab.clock.draw.families). This is the figure that predicts how it reads a clock of yours."),
           Table(columns, held_out, numeric={1, 2, 3, 4, 5})] if held_out else []),
        *shipped_worst_blocks(data, out),
        Paragraph("All of these are drawn by our own renderer. The report's real photographs and other designers' "
                  "faces are harder; docs/clock_reader.md says where it fails.", note=True),
    ]


def shipped_worst_blocks(data: ReportData, out: Path) -> list[Block]:
    """The shipped reader's largest errors on the held-out families, as pictures with true and read times."""
    stored = data.artifacts.get(SHIPPED_WORST_ARTIFACT)
    rows = worst_readings({0: bytes_to_arrays(stored[1])}, WORST_SHOWN) if stored else []
    if not rows:
        return []
    captions = [f"#{k + 1} true {clock_time(r['true'])} read {clock_time(r['pred'])}" for k, r in enumerate(rows)]
    path = image_grid([r["image"] for r in rows], captions, f"the shipped reader: its {len(rows)} largest errors on "
                      "the held-out families", out / "shipped-reader-worst.png")
    return [Image(path.name, "the shipped reader: worst readings of designs it never saw")]


def _score_rows(fresh: dict, keys: tuple[tuple[str, str], ...]) -> list[list[str]]:
    """One table row per (key, label) the card scored: n, mean and median error, share within 1 min, hour right."""
    return [[label, str(m["n"]), f"{m['mean_cse_min']:.2f}", f"{m['median_cse_min']:.1f}",
             f"{100 * m['within_1min']:.1f}%", f"{100 * m['hour_accuracy']:.1f}%"]
            for key, label in keys if (m := fresh.get(key))]


def clock_blocks(data: ReportData, out: Path) -> list[Block]:
    """The Task 3 section of every clock study in the store, then the shipped reader's (none of either: no blocks)."""
    blocks: list[Block] = shipped_reader_blocks(data, out)
    for study in clock_studies(data):
        cells = [c for c in data.cells if c.study == study.name]
        summaries = summarize_encodings(data, study.name)
        blocks += [Heading(2, study.title or study.name, study.name), Paragraph(settings_text(cells))]
        blocks += [Paragraph(note, note=True) for note in study.spec.get("notes", [])]
        blocks.append(encoding_table(summaries, data.task3_reference))
        blocks.append(Paragraph(
            f"Mean ± half-width of the 95% t-interval over seeds (n = finished trials). 'learns': the interval's "
            f"upper end is below {LEARNS_BELOW_MIN:.0f} min; 'at chance': the mean is at or above it (chance: "
            f"{CHANCE_MIN:.0f} min). Per encoding and seed: {study.name}.csv, trials.csv.", note=True))
        blocks += [Heading(3, "The report's Task 3 outcomes", f"{study.name}-report"),
                   outcomes_table(data.task3_reference)]
        top = best(summaries)
        if top is not None:
            blocks += histogram_blocks(data, top, study.name, out) + worst_blocks(data, top, study.name, out)
        write_clock_csv(summaries, out / f"{study.name}.csv")
    return blocks
