"""Render a report: blocks for Markdown/HTML, PNG plots and CSV files, from loaded data only."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

from ablab.report.aggregate import RowSummary, summarize
from ablab.report.clock import clock_studies, task3_finding
from ablab.report.clock_section import clock_blocks
from ablab.report.document import Block, BulletList, Contents, Heading, Image, Paragraph, Table, to_html, to_markdown
from ablab.report.findings import CLAIMS, REPORT_STUDIES, evaluate
from ablab.report.findings_section import findings_blocks, forest_rows
from ablab.report.load import ReportData
from ablab.report.plots import DATASET_LABELS, bar_chart, figure1, forest_plot, learning_curves
from ablab.report.stats import Interval
from ablab.report.user_claims import user_claims
from ablab.store.studies import bytes_to_arrays

TITLE = "ablab: the report's Tables 1–7 and Task 3, rerun over seeds"
SOURCE = "Epure & Rameshchandra, Introduction to Deep Learning, Assignment 2 (the seed report)"
OUTSIDE, INSIDE, NO_CI = "outside CI", "", "n<2"


def _interval(i: Interval) -> str:
    if i.mean is None:
        return "–"
    return f"{i.mean:.3f}" if i.low is None else f"{i.mean:.3f} ± {i.half_width:.3f}"


def _value(v: float | None) -> str:
    return "–" if v is None else f"{v:.3f}"


def _mark(row: RowSummary, metric: str) -> str:
    outside = row.outside(metric)
    return "" if (row.report_accuracy if metric == "accuracy" else row.report_loss) is None else (
        NO_CI if outside is None else OUTSIDE if outside else INSIDE)


def _states(states: Counter) -> str:
    """Trial states of a row; cells never run (a budgeted run left them out) read "not run"."""
    return ", ".join(f"{'not run' if s == 'pending' else s} {n}" for s, n in sorted(states.items()))


def _study_table(rows: list[RowSummary]) -> Table:
    headers = ["group", "row", "dataset", "n", "accuracy (ours, 95% CI)", "report", "", "loss (ours, 95% CI)", "report",
               "", "trials"]
    body, classes = [], []
    for r in rows:
        body.append([r.group, r.row, DATASET_LABELS.get(r.dataset, r.dataset), str(r.accuracy.n), _interval(r.accuracy),
                     _value(r.report_accuracy), _mark(r, "accuracy"), _interval(r.loss), _value(r.report_loss),
                     _mark(r, "loss"), _states(r.states)])
        classes.append("outside" if r.outside("accuracy") or r.outside("loss") else "")
    return Table(headers, body, classes, numeric={3, 4, 5, 7, 8}, mark_column=6)


def _run_info(data: ReportData, summaries: list[RowSummary], seed_report: bool = True) -> list[Block]:
    states = Counter(c.state for c in data.cells)
    unique = {c.key: c for c in data.cells}
    versions = next((c.versions for c in data.cells if c.versions), {})
    seeds = sorted({c.seed for c in data.cells})
    blocks: list[Block] = [
        Paragraph(f"{'Reproducing ' + SOURCE if seed_report else 'Your studies'}. Store: {data.store_path}; "
                  f"profile: {data.profile}; generated "
                  f"{dt.datetime.now().strftime('%Y-%m-%d %H:%M')}."),
        Paragraph(f"{len(data.cells)} table cells ({_states(states)}) filled by {len(unique)} distinct trials "
                  "(a row that is the same config as another, such as the reference MLP, is one trial); "
                  f"seeds {seeds}. "
                  f"Backend: {', '.join(f'{b} ({n})' for b, n in data.backends().items()) or '–'}; versions: "
                  f"{', '.join(f'{k} {v}' for k, v in sorted(versions.items())) or '–'}."),
        Paragraph(data.where_it_ran()),
    ]
    profiles = [f"{s.name}: {s.spec.get('profiles', {}).get(data.profile, {}).get('description', '')}"
                for s in data.studies]
    profiles = [p for p in profiles if not p.endswith(": ")]
    if profiles:
        blocks += [Paragraph(f"What the '{data.profile}' profile changes from the report's settings:"),
                   BulletList(profiles)]
    blocks.append(Paragraph(
        "Accuracy and loss are on the test split (10,000 images unless a study's settings say otherwise). Each cell: "
        "mean ± half-width of the 95% t-interval over seeds "
        "(n = finished trials; diverged trials count for accuracy, their loss is not finite). 'outside CI' marks a "
        "report value that lies outside our interval. The report's CNN losses (Tables 1, 5–7) were computed on "
        "inputs scaled by 1/225 with one-hot labels and are not comparable in scale.", note=True))
    return blocks


def _figure1_blocks(data: ReportData, out: Path) -> list[Block]:
    names = sorted(data.artifacts, key=lambda n: ("fashion-mnist" not in n, n))
    names = [n for n in names if n.startswith("permutation-sample:")]
    blocks: list[Block] = [Heading(2, "Figure 1: a sample before and after the pixel permutation", "figure1")]
    if not names:
        return blocks + [Paragraph("No permuted trials in the store (run table1).", note=True)]
    _, payload, meta = data.artifacts[names[0]]
    arrays = bytes_to_arrays(payload)
    caption = (f"{DATASET_LABELS.get(meta['dataset'], meta['dataset'])} test image {meta['test_index']}, "
               f"permutation seed {meta['permutation_seed']}")
    figure1(arrays["original"], arrays["permuted"], caption, out / "figure1.png")
    return blocks + [Image("figure1.png", caption), Paragraph(
        f"One fixed permutation of the 784 pixel positions ({caption}) is applied identically to train, valid "
        "and test.", note=True)]


def _settings(cells) -> str:
    """What the study's trials actually used, read from their stored configs (so reductions are stated)."""
    configs = [c.config for c in cells if c.config]
    if not configs:
        return "No trial has run yet."
    def values(field, default="–"):
        return sorted({str(c.get(field) if c.get(field) is not None else default) for c in configs})
    subsets = values("train_subset", "all 55,000")
    parts = [f"epochs {', '.join(values('epochs'))}", f"training images: {', '.join(subsets)}",
             f"batch sizes {', '.join(values('batch_size'))}", f"seeds {sorted({c.seed for c in cells})}"]
    for field, label in (("valid_subset", "validation images"), ("test_subset", "test images")):
        if any(field in c for c in configs):
            parts.append(f"{label}: {', '.join(values(field, 'all'))}")
    return "Settings of these trials (from the stored configs): " + "; ".join(parts) + "."


def _study_blocks(data: ReportData, summaries: list[RowSummary], out: Path) -> list[Block]:
    blocks: list[Block] = []
    clock = {s.name for s in clock_studies(data)}  # Task 3 has its own section (report.clock_section)
    for study in data.studies:
        rows = [r for r in summaries if r.study == study.name]
        if not rows or study.name in clock:
            continue
        blocks += [Heading(2, study.title or study.name, study.name)]
        cells = [c for c in data.cells if c.study == study.name]
        blocks.append(Paragraph(_settings(cells)))
        blocks += [Paragraph(note, note=True) for note in study.spec.get("notes", [])]
        blocks.append(_study_table(rows))
        bar = bar_chart(rows, study.title or study.name, out / f"{study.name}-accuracy.png")
        blocks.append(Image(bar.name, f"{study.name}: mean test accuracy with 95% CI; ◆ the report's value"))
        curves = learning_curves(cells, f"{study.title or study.name}: validation accuracy per epoch",
                                 out / f"{study.name}-curves.png")
        if curves is not None:
            blocks.append(Image(curves.name, f"{study.name}: learning curves (mean over seeds)"))
        else:
            blocks.append(Paragraph("Learning curves: every trial here is one epoch (as in the report), so each "
                                    "has one point; its train and valid accuracy are in trials.csv.", note=True))
    return blocks


def write_csvs(data: ReportData, summaries: list[RowSummary], out: Path) -> None:
    """trials.csv: one row per (cell, seed); summary.csv: one row per table row and dataset."""
    with open(out / "trials.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["study", "table", "group", "row", "dataset", "seed", "key", "state", "test_accuracy", "test_loss",
                    "train_accuracy_last", "valid_accuracy_last", "epochs", "wall_time_s", "fit_time_s", "backend"])
        for c in data.cells:
            last = lambda k: (c.history.get(k) or [None])[-1]  # noqa: E731
            w.writerow([c.study, c.table, c.group, c.row, c.dataset, c.seed, c.key, c.state, c.accuracy, c.loss,
                        last("accuracy"), last("val_accuracy"), len(c.history.get("loss") or []), c.wall_time_s,
                        c.fit_time_s, c.backend])
    with open(out / "summary.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["study", "table", "group", "row", "dataset", "n", "accuracy_mean", "accuracy_low", "accuracy_high",
                    "report_accuracy", "report_accuracy_outside_ci", "loss_mean", "loss_low", "loss_high",
                    "report_loss"])
        for r in summaries:
            w.writerow([r.study, r.table, r.group, r.row, r.dataset, r.accuracy.n, r.accuracy.mean, r.accuracy.low,
                        r.accuracy.high, r.report_accuracy, r.outside("accuracy"), r.loss.mean, r.loss.low, r.loss.high,
                        r.report_loss])


def _findings(data: ReportData, out: Path, seed_report: bool) -> list[Block]:
    """The report's claims (when its studies are in the store) and every user study's claims, with a forest plot."""
    users = user_claims([s.spec for s in data.studies])
    findings = evaluate(data, (CLAIMS if seed_report else ()) + users)
    forest = forest_plot(forest_rows(findings), out / "findings-forest.png")
    title = "conclusions of the report" + (" and claims of your studies" if users else "") if seed_report else (
        "claims of your studies (each row against its group's reference, and the spec's `claims:`)")
    return findings_blocks(data, findings, task3_finding(data) if seed_report else None, title=title,
                           forest=forest.name if forest else None)


def render(data: ReportData, out: Path) -> dict[str, Path]:
    """Write index.html, report.md, PNGs and CSVs into `out`; returns their paths. A store that holds none of the
    report's studies is reported as the user's own: their titles, rows and claims."""
    out.mkdir(parents=True, exist_ok=True)
    summaries = summarize(data)
    seed_report = not data.studies or any(s.name in REPORT_STUDIES for s in data.studies)
    title = TITLE if seed_report else "ablab: " + "; ".join(s.title or s.name for s in data.studies)
    blocks: list[Block] = [Heading(1, title)]
    blocks += _run_info(data, summaries, seed_report)
    blocks += [Paragraph("Per-seed rows: trials.csv · per-row summary: summary.csv (next to this file).")]
    blocks.append(Contents([("Findings", "findings")] + ([("Figure 1", "figure1")] if seed_report else [])
                           + [(s.title.split(":")[0] if s.title else s.name, s.name) for s in data.studies]))
    blocks += _findings(data, out, seed_report)
    blocks += _figure1_blocks(data, out) if seed_report else []
    blocks += _study_blocks(data, summaries, out)
    blocks += clock_blocks(data, out)
    write_csvs(data, summaries, out)
    (out / "report.md").write_text(to_markdown(blocks))
    (out / "index.html").write_text(to_html(blocks, title))
    return {"html": out / "index.html", "markdown": out / "report.md", "trials_csv": out / "trials.csv",
            "summary_csv": out / "summary.csv"}
