"""The report's Findings section: one verdict per claim with its effect (accuracy points, the tests' interval, n), the
trials behind it, the seeds that would decide an open claim, and the reduced settings it rests on."""

from __future__ import annotations

from collections import Counter

from ablab.report.clock import Task3Finding
from ablab.report.document import Block, BulletList, Heading, Paragraph, Table
from ablab.report.compare import ALPHA, DEFAULT_MARGINS, LOOKS, SHARES
from ablab.report.findings import NOT_RUN, UNDECIDED, Finding
from ablab.report.load import ReportData
from ablab.report.verdicts import DATASET_NAMES, TestResult, fmt_points

BEYOND = f"> {LOOKS[-1]} (beyond the last planned look)"

RULES = (
    "Rules: every comparison A − B is a paired t-test over the seeds both rows hold (else Welch) with three decided "
    "outcomes, each a one-sided test at the look's α: better (scipy.stats), worse, or equivalent within the "
    "dataset's declared margin ±m (two one-sided tests, statsmodels' ttost_paired). The margins, declared before "
    "the runs: " + ", ".join(f"{DATASET_NAMES.get(d, d)} ±{100 * m:g} pts" for d, m in DEFAULT_MARGINS.items())
    + " (the test set's binomial standard error; a study's `margins:` overrides them). Seeds are added in planned "
    f"looks ({', '.join(map(str, LOOKS))} per cell) and α = {ALPHA} is spent across them "
    f"({', '.join(f'{100 * s:g}%' for s in SHARES)}), so adding seeds does not inflate false decisions. "
    "'A better than B' is confirmed when A is better, refuted when A is worse or equivalent; 'best of k+1' is "
    "confirmed when A is better than every rival (each at α), refuted when some rival is at least as good "
    "(worse or equivalent, Holm over the k); 'close/comparable' is confirmed by equivalence and refuted when the "
    "difference lies outside ±m; 'marginally better' is better with the interval inside ±m. A claim is confirmed "
    "when all its tests are and refuted when one is (Holm over its tests). Intervals are the (1 − 2α) intervals "
    "the one-sided tests read. 'Seeds to decide': the first planned look at which the leaning test has 80% power, "
    "with the spread measured on the other rows of the same table."
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
    return str(f.seeds_needed) if f.seeds_needed is not None else BEYOND


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
    needed = "" if r.verdict != UNDECIDED else (str(r.seeds_needed) if r.seeds_needed else BEYOND)
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
    return blocks + [Table(["test", "verdict", "effect (pts, interval, n)", "seeds to decide",
                            "tests, margin and p-values"],
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
        Table(["id", "claim", "verdict", "decisive effect (pts, interval, n)", "trials", "seeds to decide"],
              [_summary_row(data, f) for f in findings] + ([_task3_row(task3)] if task3 else []),
              [_slug(f.verdict) for f in findings] + ([_slug(task3.verdict)] if task3 else [])),
    ]
    for f in findings:
        blocks += _claim_blocks(data, f)
    return blocks + (_task3_blocks(task3) if task3 else [])
