"""The report's Findings section: one verdict per claim with its effect (accuracy points, 95% interval, n), the
trials behind it, the seeds that would decide an open claim, and the reduced settings it rests on."""

from __future__ import annotations

from collections import Counter

from ablab.report.clock import Task3Finding
from ablab.report.document import Block, BulletList, Heading, Paragraph, Table
from ablab.report.findings import MARGIN, NOT_RUN, UNDECIDED, Finding
from ablab.report.load import ReportData
from ablab.report.stats import MAX_SEEDS_ESTIMATE
from ablab.report.verdicts import TestResult, fmt_points

RULES = (
    "Rules (scipy.stats): every test uses the 95% t-interval of a difference of mean test accuracy, paired over the "
    "seeds both rows hold (else Welch); effects are in accuracy points (×100). 'A better than B' is confirmed when "
    "the interval is above 0 and refuted when it is at or below 0 ([0, 0]: identical results); 'best of k+1 rows' "
    "runs the k paired comparisons with Holm's correction (family-wise α = 0.05): confirmed when A beats every "
    "row, refuted when a row beats A or equals it; 'close/comparable' needs the interval within "
    f"±{MARGIN}; 'marginally better' a positive mean with the interval within ±{MARGIN}; 'no improvement' an "
    f"upper end below {MARGIN}. A claim is confirmed when all its tests are, refuted when any is, otherwise not "
    "decided. 'Seeds to decide': at the observed effect and standard deviation, the seeds per cell whose interval "
    "would clear the boundary the effect leans to (Holm's strictest level for 'best')."
)


def _slug(verdict: str) -> str:
    return f"verdict-{verdict.replace(' ', '-')}"


def _not_run_cost_s(data: ReportData) -> dict[str, float] | None:
    """Per claim not run at the decision mode's budget: the wall seconds it estimated the claim's 2 seeds need;
    None where no budgeted run filled the store (e.g. the full profile, run table by table)."""
    stored = data.artifacts.get(f"decision:{data.profile}")
    return dict(stored[2].get("not_run_cost_s", {})) if stored else None


def _not_run(cost_s: dict[str, float] | None) -> str:
    return "not run at this budget" if cost_s is not None else "not run yet"


def _needed(f: Finding, cost_s: dict[str, float] | None = None) -> str:
    if f.verdict == NOT_RUN:
        more = (cost_s or {}).get(f.claim.id)
        if not more:
            return _not_run(cost_s)
        return f"not run at this budget ({f'≈ {more / 60:.0f} min' if more >= 60 else '< 1 min'} more for 2 seeds)"
    if f.verdict != UNDECIDED:
        return ""
    return str(f.seeds_needed) if f.seeds_needed is not None else f"> {MAX_SEEDS_ESTIMATE} (effect ≈ 0 or no interval)"


def _effect(f: Finding) -> str:
    """The decisive test's effect: a refuting one, else the least certain one."""
    if not f.results:
        return "–"
    decisive = next((r for r in f.results if r.verdict == f.verdict), f.results[0])
    return (f"{decisive.effect_label}: {fmt_points(decisive.effect)}" if decisive.effect_label
            else fmt_points(decisive.effect))


def reduction(data: ReportData, finding: Finding) -> str:
    """The reduced settings behind a claim's cells (quick profile), else ''."""
    ids = set(finding.claim.cells())
    configs = [c.config for c in data.cells if c.cell_id in ids and c.config]
    subsets = sorted({c["train_subset"] for c in configs if c.get("train_subset")})
    if not subsets:
        return ""
    epochs = sorted({c.get("epochs") for c in configs})
    tests = sorted({c["test_subset"] for c in configs if c.get("test_subset")})
    return (f"Reduced settings (profile {data.profile}): CNNs trained on the first {', '.join(map(str, subsets))} "
            f"training images for {', '.join(map(str, epochs))} epoch(s)"
            + (f", tested on the first {', '.join(map(str, tests))} test images" if tests else "")
            + "; the report's regime is --profile full.")


def _summary_row(data: ReportData, f: Finding) -> list[str]:
    return [f.claim.id, f.claim.text, f.verdict + (" (reduced)" if reduction(data, f) else ""), _effect(f),
            str(f.trials), _needed(f, _not_run_cost_s(data))]


def _task3_row(t: Task3Finding) -> list[str]:
    return [t.id, t.text, t.verdict + (" (reduced)" if t.indicative and t.trials else ""), "–", str(t.trials),
            t.seeds_text]


def _test_row(r: TestResult) -> list[str]:
    verdict = r.verdict + (f" ({r.reason})" if r.reason else "")
    needed = "" if r.verdict != UNDECIDED else (str(r.seeds_needed) if r.seeds_needed else f"> {MAX_SEEDS_ESTIMATE}")
    return [r.description, verdict, fmt_points(r.effect), needed, r.numbers]


def _claim_blocks(data: ReportData, f: Finding) -> list[Block]:
    blocks: list[Block] = [Heading(3, f"{f.claim.id} — {f.verdict}: {f.claim.text}")]
    if f.claim.note:
        blocks.append(Paragraph(f.claim.note, note=True))
    if f.results and (caveat := reduction(data, f)):
        blocks.append(Paragraph(caveat, note=True))
    if not f.results:
        cost_s = _not_run_cost_s(data)
        why = ("(a budgeted run starts a claim only when all its cells can get 2 seeds)" if cost_s is not None
               else "(not every study its rows come from has run)")
        return blocks + [Paragraph(f"{_not_run(cost_s).capitalize()}: the store holds {f.trials} of the trials its "
                                   f"rows need {why}.", note=True)]
    blocks.append(Paragraph(f"{f.trials} finished trials behind its cells" + (
        f"; seeds per cell that would decide it at the observed effect and variance: {_needed(f)}"
        if f.verdict == UNDECIDED else "") + "."))
    return blocks + [Table(["test", "verdict", "effect (pts, 95% CI, n)", "seeds to decide",
                            "our numbers (test accuracy)"],
                           [_test_row(r) for r in f.results], [_slug(r.verdict) for r in f.results])]


def _task3_blocks(t: Task3Finding) -> list[Block]:
    blocks: list[Block] = [Heading(3, f"{t.id} — {t.verdict}: {t.text}")]
    if t.indicative and t.trials:
        blocks.append(Paragraph("Reduced settings: these clock trials ran on the reduced profile stated in the Task 3 "
                                "section (the report's regime is --profile full).", note=True))
    blocks.append(Paragraph("Rule: confirmed when every encoding of the report's approaches is at chance in trials "
                            "whose reader learned something elsewhere (so the budget is not the cause), refuted when "
                            "one of them learns; a verdict resting only on models at chance is not decided.",
                            note=True))
    return blocks + [BulletList(t.details)]


def findings_blocks(data: ReportData, findings: list[Finding], task3: Task3Finding | None = None) -> list[Block]:
    """The Findings heading, its counts and rules, the summary table and one block per claim."""
    verdicts = [f.verdict for f in findings] + ([task3.verdict] if task3 else [])
    counts = Counter(verdicts)
    decided = [f.claim.id for f in findings if f.verdict not in (UNDECIDED, NOT_RUN)]
    decided += [task3.id] if task3 and task3.verdict not in (UNDECIDED, NOT_RUN) else []
    blocks: list[Block] = [
        Heading(2, "Findings", "findings"),
        Paragraph(f"{len(verdicts)} conclusions of the report, each tested on our test accuracies"
                  + (" (Task 3: common-sense errors)" if task3 else "") + ": "
                  + ", ".join(f"{v} {n}" for v, n in sorted(counts.items()))
                  + f". Decided (confirmed or refuted): {len(decided)} of {len(verdicts)}."),
        Paragraph(RULES, note=True),
        Table(["id", "claim", "verdict", "decisive effect (pts, 95% CI, n)", "trials", "seeds to decide"],
              [_summary_row(data, f) for f in findings] + ([_task3_row(task3)] if task3 else []),
              [_slug(f.verdict) for f in findings] + ([_slug(task3.verdict)] if task3 else [])),
    ]
    for f in findings:
        blocks += _claim_blocks(data, f)
    return blocks + (_task3_blocks(task3) if task3 else [])
