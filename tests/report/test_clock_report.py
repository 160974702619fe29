"""The report's Task 3 section from a store of clock trials with made-up results (no training)."""

import csv
import re

import numpy as np
import pytest

from ablab.clock.read.metrics import MISTAKES_ARTIFACT, mistakes_npz
from ablab.report import write_report
from ablab.report.clock import AT_CHANCE, LEARNS, EncodingSummary, claim_verdict, why_not
from ablab.report.stats import mean_interval
from ablab.store import Store
from ablab.store.studies import StudyIndex, trial_artifact_name
from ablab.studies.catalog import load_builtin
from ablab.studies.expand import expand, unique_specs
from ablab.train.spec import TrialResult

MEAN_ERROR = {"landmarks": 20.0, "periodic": 120.0}  # every other encoding: at chance (~180)


def fake_clock_result(key, encoding, seed, rng):
    """Test readings whose errors average MEAN_ERROR[encoding] (else ~180 min), with a real mistakes artifact."""
    n, size = 40, 32
    true = np.stack([rng.integers(0, 12, n), rng.integers(0, 60, n)], 1)
    spread = MEAN_ERROR.get(encoding, 180.0)
    offset = np.clip(rng.normal(spread, 15, n), 0, 359).astype(int) * rng.choice([-1, 1], n)
    minutes = np.mod(true[:, 0] * 60 + true[:, 1] + offset, 720)
    pred = np.stack([minutes // 60, minutes % 60], 1)
    images = rng.integers(0, 255, (n, size, size)).astype(np.uint8)
    from ablab.clock.read.metrics import summarize

    metrics = {**summarize(true, pred), "test_loss": 0.5}
    return TrialResult(key=key, state="complete", test_loss=0.5, test_accuracy=metrics["hour_accuracy"],
                       history={"loss": [1.0, 0.5], "val_mean_cse_min": [170.0, metrics["mean_cse_min"]]},
                       metrics=metrics, wall_time_s=1.0, fit_time_s=0.9, backend="tensorflow", versions={"keras": "3"},
                       artifacts={MISTAKES_ARTIFACT: mistakes_npz(true, pred, images)})


@pytest.fixture
def clock_store(tmp_path):
    store = Store(tmp_path / "s.db")
    index = StudyIndex(store)
    rng = np.random.default_rng(0)
    spec = load_builtin("clock-encodings")
    cells = expand(spec, "quick")
    index.record(spec, "quick", cells)
    for trial in unique_specs(cells):
        store.claim(trial.key, trial.config_dict(), trial.seed)
        result = fake_clock_result(trial.key, trial.config.encoding, trial.seed, rng)
        for name, blob in result.artifacts.items():  # as the runner's driver does
            index.put_artifact(trial_artifact_name(trial.key, name), "npz", blob)
        store.finish(trial.key, result)
    return store


def test_report_has_a_task3_section_with_histogram_worst_readings_and_the_reports_values(clock_store, tmp_path):
    out = tmp_path / "report"
    paths = write_report(clock_store.path, out)
    names = {p.name for p in out.iterdir()}
    assert {"clock-encodings-errors.png", "clock-encodings-worst.png", "clock-encodings.csv"} <= names
    assert "clock-encodings-accuracy.png" not in names  # not drawn as a table of accuracies
    md = paths["markdown"].read_text()
    assert "## Task 3: tell the time" in md and "### Worst readings of landmarks" in md
    row = next(line for line in md.splitlines() if line.startswith("| landmarks |"))
    assert "| 3 |" in row and "| learns |" in row
    cliff = next(line for line in md.splitlines() if line.startswith("| regression-minutes |"))
    assert "≈180 min (§3.1)" in cliff and "at chance" in cliff and "12:00 cliff" in cliff
    assert "no error obtained" in next(line for line in md.splitlines() if line.startswith("| periodic |"))
    assert "sine_loss of 0.274" in md  # the report's outcomes, quoted
    worst = re.findall(r"^\| (\d+) \| [0-2] \| \d+ \| \d+:\d\d \| \d+:\d\d \| (\d+) \|$", md, re.M)
    assert len(worst) == 12 and [int(n) for n, _ in worst] == list(range(1, 13))
    errors = [int(e) for _, e in worst]
    assert errors == sorted(errors, reverse=True) and errors[0] > 20  # landmarks' largest errors, worst first
    # periodic (the report's 3.4) learns here, so the claim that all four approaches end at chance is refuted
    assert re.search(r"\| T3-1 \| .* \| refuted \(reduced\) \|", md)
    assert "landmarks wins with" in md
    html = paths["html"].read_text()
    assert all(src in names for src in re.findall(r'<img src="([^"]+)"', html))
    with open(out / "clock-encodings.csv") as f:
        rows = {r["encoding"]: r for r in csv.DictReader(f)}
    assert len(rows) == 13 and float(rows["landmarks"]["mean_cse_min_mean"]) < 40


def summary(encoding, means):
    return EncodingSummary("s", encoding, {"mean_cse_min": mean_interval(means)}, [])


def test_claim_is_confirmed_only_when_another_encoding_learns_on_the_same_budget():
    at_chance = [summary(e, [178.0, 182.0, 181.0]) for e in ("regression-minutes", "classification-24", "multihead")]
    assert all(s.status == AT_CHANCE for s in at_chance)
    assert claim_verdict(at_chance) == "not decided"  # everything at chance: the budget, not the encodings
    assert why_not(at_chance[0], at_chance).startswith("budget")
    learner = summary("landmarks", [10.0, 12.0, 11.0])
    assert learner.status == LEARNS and claim_verdict(at_chance + [learner]) == "confirmed"  # not a report approach
    assert ("cliff" in why_not(at_chance[0], at_chance + [learner])
            and "budget" not in why_not(at_chance[0], at_chance + [learner]))
    periodic = summary("periodic", [100.0, 104.0, 98.0])
    assert claim_verdict(at_chance + [periodic]) == "refuted"
    unrun = summary("multihead", [])
    assert why_not(unrun, [periodic, unrun]).startswith("not needed") and why_not(unrun, [unrun]) == ""
    assert claim_verdict([summary("periodic", [130.0, 160.0, 175.0])]) == "not decided"


def test_the_shipped_readers_card_in_the_store_becomes_its_own_task3_section(tmp_path):
    """`ablab reproduce` puts the card in the store (the report reads only the store)."""
    from pathlib import Path

    from ablab.report.clock_section import SHIPPED_ARTIFACT, clock_blocks
    from ablab.report.document import to_markdown
    from ablab.report.load import ReportData

    figures = {"n": 500, "mean_cse_min": 0.42, "median_cse_min": 0.3, "within_1min": 0.991, "hour_accuracy": 0.998}
    card = {"train_command": "ablab clock train --data clocks", "bytes": 5_400_000, "shipped": "2026-11-29",
            "fresh": {"seed": 1000, "single": figures, "varied": {**figures, "n": 1000, "mean_cse_min": 0.81}}}
    data = ReportData(Path("x.db"), "quick", [], [], {SHIPPED_ARTIFACT: ("json", b"", card)})
    text = to_markdown(clock_blocks(data, tmp_path))
    assert "the reader that ships" in text and "ablab clock train --data clocks" in text
    assert re.search(r"fresh `single` clocks.*\| 500 \| 0\.42 \|", text) and re.search(r"\| 1000 \| 0\.81 \|", text)
    assert "without the dial finder" not in text  # rows the card lacks are left out


def test_the_held_out_families_get_their_own_table_when_the_card_has_them(tmp_path):
    from pathlib import Path

    from ablab.report.clock_section import SHIPPED_ARTIFACT, clock_blocks
    from ablab.report.document import to_markdown
    from ablab.report.load import ReportData

    figures = {"n": 500, "mean_cse_min": 0.42, "median_cse_min": 0.0, "within_1min": 0.991, "hour_accuracy": 0.998}
    fresh = {"seed": 1000, "varied": figures, "light-hands": {**figures, "mean_cse_min": 72.3},
             "held-out": {**figures, "n": 3000, "mean_cse_min": 13.9}}
    data = ReportData(Path("x.db"), "quick", [], [], {SHIPPED_ARTIFACT: ("json", b"", {"fresh": fresh})})
    text = to_markdown(clock_blocks(data, tmp_path))
    assert "Designs it never saw" in text
    assert re.search(r"light hands on a light face.*\| 500 \| 72\.30 \|", text)
    assert re.search(r"all six families \| 3000 \| 13\.90 \|", text)
    assert "photographed on wood" not in text  # families the card lacks are left out
    without = ReportData(Path("x.db"), "quick", [], [],
                         {SHIPPED_ARTIFACT: ("json", b"", {"fresh": {"varied": figures}})})
    assert "Designs it never saw" not in to_markdown(clock_blocks(without, tmp_path))


def test_task3_without_a_clock_study_cites_the_shipped_readers_card_not_fixed_figures():
    """The T3-1 finding at a budget that runs no encoding points at the shipped reader with its card's figures."""
    from pathlib import Path

    from ablab.report.clock import SHIPPED_ARTIFACT, task3_finding
    from ablab.report.load import ReportData

    figures = {"n": 1000, "mean_cse_min": 6.07, "median_cse_min": 0.0, "within_1min": 0.968, "hour_accuracy": 0.97}
    fresh = {"varied": figures, "held-out": {**figures, "mean_cse_min": 9.08, "within_1min": 0.924}}
    data = ReportData(Path("x.db"), "quick", [], [], {SHIPPED_ARTIFACT: ("json", b"", {"fresh": fresh})})
    note = task3_finding(data).details[-1]
    assert "6.07 min, 96.8% within a minute" in note
    assert "never saw (six held-out families) to a mean error of 9.08" in note
    bare = task3_finding(ReportData(Path("x.db"), "quick", [], [], {})).details[-1]
    assert "shipped with ablab" in bare and not re.search(r"\d+\.\d+ min", bare)  # no card: no figures


def test_the_shipped_readers_worst_held_out_readings_are_shown_as_pictures(tmp_path):
    from pathlib import Path

    from ablab.clock.read.metrics import mistakes_npz
    from ablab.report.clock_section import SHIPPED_ARTIFACT, SHIPPED_WORST_ARTIFACT, clock_blocks
    from ablab.report.document import to_markdown
    from ablab.report.load import ReportData

    true = np.array([[3, 0], [6, 30], [9, 45]])
    pred = np.array([[3, 0], [0, 30], [9, 44]])
    images = np.random.default_rng(0).integers(0, 256, (3, 150, 150), dtype=np.uint8)
    worst = mistakes_npz(true, pred, images, worst_count=2)
    artifacts = {SHIPPED_ARTIFACT: ("json", b"", {"fresh": {}}), SHIPPED_WORST_ARTIFACT: ("npz", worst, {})}
    text = to_markdown(clock_blocks(ReportData(Path("x.db"), "quick", [], [], artifacts), tmp_path))
    assert "worst readings of designs it never saw" in text and (tmp_path / "shipped-reader-worst.png").is_file()


def test_reproduce_puts_the_shipped_card_and_its_worst_readings_in_the_store(tmp_path):
    from ablab.clock.read.shipped import shipped_card, shipped_worst
    from ablab.commands.reproduce import _record_shipped_reader
    from ablab.report.clock_section import SHIPPED_ARTIFACT, SHIPPED_WORST_ARTIFACT
    from ablab.store import Store
    from ablab.store.studies import StudyIndex

    _record_shipped_reader(tmp_path / "s.db")
    index = StudyIndex(Store(tmp_path / "s.db"))
    assert index.artifact(SHIPPED_ARTIFACT)[2]["sha256"] == shipped_card()["sha256"]
    assert index.artifact(SHIPPED_WORST_ARTIFACT)[1] == shipped_worst() != b""
