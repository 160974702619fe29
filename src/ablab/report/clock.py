"""Task 3 of the report ("tell the time"): per clock encoding, the common-sense error over seeds beside the
report's own outcomes, an error histogram and the worst readings of the best encoding, and a verdict on the
report's claim that its networks ended at chance.

Pure like the rest of the report: it reads ReportData (the store's cells and artifacts, the transcribed outcomes)
and writes PNGs into the output folder. Rules:

- An encoding *learns* when the upper end of the 95% interval of its mean error (over seeds) is below
  LEARNS_BELOW_MIN (20 min under chance; with one seed, its mean), is *at chance* when its mean is at or above
  it, and is *unclear* otherwise. Chance is 180 min: the mean error of a reader that guesses, or always answers
  the same time, is a quarter of the 720-min dial.
- The report's claim (all four approaches ended at chance) is confirmed when every encoding of its approaches
  (3.1 regression-minutes and -hours, 3.2 classification-24, 3.3 multihead, 3.4 periodic) is at chance in our
  trials while another encoding learns on the same images and budget (so the budget is not the cause), refuted
  when any of them learns, otherwise not decided: a verdict resting only on models at chance says nothing.
- No clock study in the store (the quick profile leaves the encodings out: none learns within its budget): the
  claim is "not run" at this budget, and the finding points at the reader that works.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ablab.report.load import Cell, ReportData, ReportOutcome
from ablab.report.stats import Interval, mean_interval
from ablab.report.verdicts import CONFIRMED, REFUTED, UNDECIDED
from ablab.report.verdicts import NOT_RUN as CLAIM_NOT_RUN
from ablab.store.studies import bytes_to_arrays, trial_artifact_name

CHANCE_MIN = 180.0
LEARNS_BELOW_MIN = 160.0
LEARNS, AT_CHANCE, UNCLEAR, NOT_RUN = "learns", "at chance", "unclear", "not run"
# ablab.clock.read.metrics.MISTAKES_ARTIFACT (the report does not import ablab.clock)
MISTAKES_ARTIFACT = "clock-errors"
METRICS = ("mean_cse_min", "median_cse_min", "within_1min", "within_5min", "hour_accuracy")
REPORT_SECTIONS = {"regression-minutes": "3.1", "regression-hours": "3.1", "classification-24": "3.2",
                   "multihead": "3.3", "periodic": "3.4"}

# Why an encoding fails when others learn on the same images (its own weakness), and why the best one wins.
WEAKNESS = {
    "regression-minutes": "the 12:00 cliff: 11:59 and 12:00 are 719 apart as targets, so MSE pulls unsure readings "
                          "toward the middle of the range (6:00)",
    "regression-hours": "one number has to carry the whole reading; the circular loss has no cliff but almost no "
                        "gradient when a guess is half a dial off",
    "multihead": "its minute regression has the 59→0 cliff and learns slower than its hour head (as in the report)",
    "multihead-periodic": "its hour softmax must still tell 12 o'clock from the other numerals",
    "periodic": "one wrap-free angle: it fails only where it cannot tell where 12 is",
    "hands": "hand angles are measured from 12 o'clock, which a rotated, sometimes mirrored dial hides",
    "hands-frame": "it must find 12 o'clock and the mirror flag from the numerals, a few pixels tall",
    "landmarks": "the 12 o'clock point must be told from 3, 6 and 9 by its numeral, a few pixels tall",
}
STRENGTH = {
    "landmarks": "it asks the CNN only to find points (what convolutions do well) and leaves the rotation and "
                 "mirror arithmetic to exact geometry",
    "hands-frame": "it regresses image angles, which are visible as such, and computes the time from them exactly",
    "periodic": "its target is continuous and wrap-free: neighbouring times have neighbouring targets",
    "multihead-periodic": "the hour is a class and the minute a wrap-free angle",
    "hands": "both hands are wrap-free angles, and the hour is made consistent with the minute",
    "regression-hours": "its circular loss has no cliff at 12:00",
}


@dataclass(frozen=True)
class EncodingSummary:
    """One encoding of a clock study: intervals over seeds of each metric, and the cells behind them."""

    study: str
    encoding: str
    intervals: dict[str, Interval]
    cells: list[Cell]

    @property
    def mean(self) -> Interval:
        return self.intervals["mean_cse_min"]

    @property
    def status(self) -> str:
        return interval_status(self.mean)

    @property
    def finished(self) -> list[Cell]:
        return [c for c in self.cells if c.finished and c.metrics.get("mean_cse_min") is not None]


def interval_status(i: Interval) -> str:
    """learns / at chance / unclear / not run, from the interval of an encoding's mean error over seeds."""
    if i.mean is None:
        return NOT_RUN
    if (i.high if i.high is not None else i.mean) < LEARNS_BELOW_MIN:
        return LEARNS
    return AT_CHANCE if i.mean >= LEARNS_BELOW_MIN else UNCLEAR


def encoding_status(errors_min: list[float]) -> str:
    """The status of an encoding from its trials' mean errors (minutes, one per seed): what the decision mode asks
    of the store while it runs, by the rule the report applies."""
    return interval_status(mean_interval(errors_min))


def clock_studies(data: ReportData) -> list:
    """The recorded studies whose trials read clocks (task: clock)."""
    return [s for s in data.studies if s.spec.get("task") == "clock"]


def summarize_encodings(data: ReportData, study: str) -> list[EncodingSummary]:
    """One summary per row (encoding) of `study`, in spec order."""
    rows: dict[str, list[Cell]] = {}
    for cell in data.cells:
        if cell.study == study:
            rows.setdefault(cell.row, []).append(cell)
    out = []
    for encoding, cells in rows.items():
        done = [c for c in cells if c.finished]
        intervals = {m: mean_interval([c.metrics.get(m) for c in done]) for m in METRICS}
        out.append(EncodingSummary(study, encoding, intervals, cells))
    return out


def best(summaries: list[EncodingSummary]) -> EncodingSummary | None:
    """The encoding with the lowest mean error (None when nothing finished)."""
    ran = [s for s in summaries if s.mean.mean is not None]
    return min(ran, key=lambda s: s.mean.mean) if ran else None


def stored_errors(data: ReportData, summary: EncodingSummary) -> dict[int, dict[str, np.ndarray]]:
    """seed -> the arrays its trial stored (errors_min, worst_*), for the finished trials that stored them."""
    out = {}
    for cell in summary.finished:
        artifact = data.artifacts.get(trial_artifact_name(cell.key, MISTAKES_ARTIFACT))
        if artifact is not None:
            out[cell.seed] = bytes_to_arrays(artifact[1])
    return out


def worst_readings(per_seed: dict[int, dict[str, np.ndarray]], count: int = 12) -> list[dict]:
    """The `count` largest errors over all seeds' stored worst readings, largest first."""
    rows = []
    for seed, arrays in sorted(per_seed.items()):
        for j in range(len(arrays["worst_index"])):
            true, pred = arrays["worst_true"][j], arrays["worst_pred"][j]
            error = int(arrays["errors_min"][arrays["worst_index"][j]])
            rows.append({"seed": seed, "index": int(arrays["worst_index"][j]), "true": tuple(int(v) for v in true),
                         "pred": tuple(int(v) for v in pred), "error_min": error, "image": arrays["worst_images"][j]})
    rows.sort(key=lambda r: (-r["error_min"], r["seed"], r["index"]))
    return rows[:count]


def clock_time(label) -> str:
    """(hour 0–11, minute) -> 'h:mm' with 0 shown as 12, as on the dial."""
    hour, minute = int(label[0]), int(label[1])
    return f"{hour or 12}:{minute:02d}"


def training_images(cells: list[Cell]) -> int | None:
    """Training images of the study's trials (80% of n_images), from the stored configs."""
    totals = {int(c.config["n_images"]) for c in cells if c.config.get("n_images")}
    sizes = {n - 2 * (n // 10) for n in totals}
    return max(sizes) if sizes else None


def why_not(summary: EncodingSummary, summaries: list[EncodingSummary]) -> str:
    """Why an encoding is at chance (or unclear): the budget when no encoding learns, else its own weakness; why it
    was not trained when another report approach already learned (the decision mode stops there)."""
    if summary.status == NOT_RUN:
        learned = any(s.status == LEARNS and s.encoding in REPORT_SECTIONS for s in summaries)
        return "not needed: one report approach that learns decides the claim" if learned else ""
    if summary.status == LEARNS:
        return ""
    weakness = WEAKNESS.get(summary.encoding, "")
    if summary.encoding.startswith("classification-"):
        n_train, classes = training_images(summary.cells), int(summary.encoding.split("-")[1])
        per_class = f"{n_train / classes:.0f}" if n_train else "few"
        weakness = f"{classes} classes share the training images ({per_class} a class) and know nothing of their order"
    if not any(s.status == LEARNS for s in summaries):
        return f"budget: no encoding learns at these settings; and its own weakness: {weakness}"
    return weakness


def report_outcome(reference: list[ReportOutcome], encoding: str) -> str:
    """What the report states for the approach an encoding stands for ('–' for encodings it did not try)."""
    mine = [r for r in reference if r.encoding == encoding]
    if not mine:
        return "–"
    parts = []
    for r in mine:
        if r.metric == "mean_cse_min":
            parts.append("no error obtained" if r.value is None else f"≈{r.value:.0f} min")
        elif r.metric == "mean_cse_halfhours":
            parts.append(f"≈{r.value:g} half-hours")
        elif r.metric.startswith("train_"):
            parts.append(f"{r.metric.removeprefix('train_').replace('_', ' ')} {r.value:g} (train)")
    return f"{'; '.join(parts)} (§{mine[0].section})"


# ---------------------------------------------------------------- the finding


@dataclass(frozen=True)
class Task3Finding:
    """The verdict on the report's Task 3 claim, with the numbers behind it (one line each)."""

    id: str
    source: str
    text: str
    verdict: str
    details: list[str]
    indicative: bool
    trials: int = 0  # finished clock trials behind it
    seeds_text: str = ""  # for the Findings table: how more seeds would (not) decide it


CLAIM_ID, CLAIM_SOURCE = "T3-1", "Task 3 (§3.1–3.4)"
CLAIM_TEXT = ("The networks ended at chance (~180 min common-sense error) with all four approaches: regression "
              "(3.1), 24 half-hour classes (3.2), hour class + minute regression (3.3), sine/cosine heads (3.4, "
              "no error obtained).")


def interval_text(i: Interval, digits: int = 1) -> str:
    if i.mean is None:
        return "–"
    return f"{i.mean:.{digits}f}" if i.low is None else f"{i.mean:.{digits}f} ± {i.half_width:.{digits}f}"


def claim_verdict(summaries: list[EncodingSummary]) -> str:
    """T3-1's verdict from the study's encodings (`task3_verdict`)."""
    return task3_verdict({s.encoding: s.status for s in summaries})


def task3_verdict(statuses: dict[str, str]) -> str:
    """T3-1 from each encoding's status. Refuted: one report approach learns; confirmed: every one is at chance
    while another encoding learns on the same images (the budget was enough); else not decided (models at chance
    everywhere decide nothing). The report and the decision mode both call this."""
    report = [st for enc, st in statuses.items() if enc in REPORT_SECTIONS and st != NOT_RUN]
    if not report:
        return CLAIM_NOT_RUN
    if LEARNS in report:
        return REFUTED
    some_learner = LEARNS in statuses.values()
    return CONFIRMED if some_learner and all(st == AT_CHANCE for st in report) else UNDECIDED


def winner_sentence(summaries: list[EncodingSummary]) -> str:
    """Which encoding wins and why, with its numbers; or, when none learns, that the budget is the limit."""
    ranked = sorted((s for s in summaries if s.mean.mean is not None), key=lambda s: s.mean.mean)
    if not ranked:
        return "No clock trial has finished yet."
    top = ranked[0]
    numbers = (f"{interval_text(top.mean)} min mean error (median {interval_text(top.intervals['median_cse_min'])}, "
               f"hour right {100 * (top.intervals['hour_accuracy'].mean or 0):.0f}%)")
    if top.status != LEARNS:
        return (f"No encoding learns with these settings: the best, {top.encoding}, has {numbers}, "
                f"{CHANCE_MIN - top.mean.mean:.0f} min under chance; the training budget is the limit, not the "
                "encodings (the full profile is the comparison).")
    runner_up = f"; next {ranked[1].encoding} {interval_text(ranked[1].mean)} min" if len(ranked) > 1 else ""
    why = STRENGTH.get(top.encoding, "it has the lowest error on the same images and seeds")
    return f"{top.encoding} wins with {numbers}{runner_up}; chance is {CHANCE_MIN:.0f} min. Why: {why}."


def data_line(summaries: list[EncodingSummary]) -> str:
    """On what data the verdict rests: the clocks, their size and number, and the training length."""
    configs = [c.config for s in summaries for c in s.finished]
    if not configs:
        return "No clock trial has finished yet."
    c = configs[0]
    train_n = int(0.8 * c.get("n_images", 0))
    return (f"Decided on `{c.get('preset')}` clocks (the report's kind: one design, turned, some mirrored) at "
            f"{c.get('image_size')} px: {train_n:,} training images, {c.get('model')} for {c.get('epochs')} "
            f"epochs, one seed per encoding tried.")


def task3_finding(data: ReportData) -> Task3Finding | None:
    """The Task 3 finding of the first clock study in the store (None when there is none)."""
    studies = clock_studies(data)
    if not studies:
        return not_run_finding(data)
    summaries = summarize_encodings(data, studies[0].name)
    lines = [f"§{REPORT_SECTIONS[s.encoding]} {s.encoding}: {interval_text(s.mean)} min ({s.status}"
             + (f": {why_not(s, summaries)})" if why_not(s, summaries) else ")")
             for s in summaries if s.encoding in REPORT_SECTIONS]
    lines += [winner_sentence(summaries), data_line(summaries)]
    trials = sum(1 for s in summaries for c in s.cells if c.finished)
    verdict = claim_verdict(summaries)
    seeds = ("more seeds cannot decide it: the models are at chance (a larger budget can)"
             if verdict == UNDECIDED else "")
    return Task3Finding(CLAIM_ID, CLAIM_SOURCE, CLAIM_TEXT, verdict, lines, data.profile != "full", trials, seeds)


SHIPPED_ARTIFACT = "clock:shipped-reader"  # the shipped reader's card, put in the store by `ablab reproduce`
SHIPPED_WORST_ARTIFACT = "clock:shipped-reader-worst"  # its worst held-out readings (npz), put there alike
READER_FIGURES = (("varied", "fresh `varied` clocks"), ("held-out", "designs it never saw (six held-out families)"))


def reader_note(data: ReportData) -> str:
    """What ablab shows instead of the report's encodings: its shipped reader, with the figures its card (in the
    store) gives; without a card, no figures."""
    stored = data.artifacts.get(SHIPPED_ARTIFACT)
    fresh = stored[2].get("fresh", {}) if stored else {}
    figures = [f"{label} to a mean error of {m['mean_cse_min']:.2f} min, {100 * m['within_1min']:.1f}% within a minute"
               for key, label in READER_FIGURES if (m := fresh.get(key))]
    reads = f" reads {' and '.join(figures)}" if figures else " reads the time"
    return ("What ablab shows instead: its clock reader (`ablab clock train`, ~45 min on 2 CPU cores, outside this "
            f"budget; shipped with ablab){reads} (docs/clock_reader.md); the task is learnable, but that reader is not "
            "one of the report's four approaches, so it neither confirms nor refutes the claim.")


def not_run_finding(data: ReportData) -> Task3Finding:
    """T3-1 when no clock study ran: the encodings were not run at this budget; say what can be shown."""
    details = ["The clock encodings were not run at this budget: the decision mode trains the report's approaches "
               "one at a time, the likeliest learner first, when the budget has room for one (about 6 min on 2 "
               "cores with native bf16); `ablab study run clock-encodings --decide` runs them.",
               reader_note(data)]
    return Task3Finding(CLAIM_ID, CLAIM_SOURCE, CLAIM_TEXT, NOT_RUN, details, data.profile != "full", 0,
                        "not run at this budget")
