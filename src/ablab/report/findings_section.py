"""The report's Findings section: one verdict per claim with its effect (accuracy points, the tests' interval, n), the
trials behind it, the seeds that would decide an open claim, and the reduced settings it rests on."""

from __future__ import annotations

from collections import Counter

from ablab.report.clock import Task3Finding
from ablab.report.document import Block, BulletList, Heading, Image, Paragraph, Table
from ablab.report.compare import ALPHA, DEFAULT_MARGINS, LOOKS, SHARES
from ablab.report.findings import NOT_RUN, UNDECIDED, Finding
from ablab.report.load import ReportData
from ablab.report.verdicts import DATASET_NAMES, TestResult, fmt_points

BEYOND = f"> {LOOKS[-1]} (beyond the last planned look)"

RULES = (
    "Rules: every comparison A − B is a paired t-test over the seeds both rows hold (else Welch) with three decided "
    "outcomes: better or worse (the two-sided test at the look's α, read by its sign; scipy.stats), or equivalent "
    "within the dataset's declared margin ±m (two one-sided tests, statsmodels' ttost_paired). The margins, declared "
    "before "
    "the runs: " + ", ".join(f"{DATASET_NAMES.get(d, d)} ±{100 * m:g} pts" for d, m in DEFAULT_MARGINS.items())
    + " (the test set's binomial standard error; a study's `margins:` overrides them). Seeds are added in planned "
    f"looks ({', '.join(map(str, LOOKS))} per cell) and α = {ALPHA} is spent across them "
    f"({', '.join(f'{100 * s:g}%' for s in SHARES)}), so adding seeds does not inflate false decisions. "
    "'A better than B' is confirmed when A is better, refuted when A is worse or equivalent; 'best of k+1' is "
    "confirmed when A is better than every rival (each at α), refuted when some rival is at least as good "
    "(worse or equivalent, Holm over the k); 'close/comparable' is confirmed by equivalence and refuted when the "
    "difference lies outside ±m; 'marginally better' is better with the interval inside ±m. A claim is confirmed "
    "when all its tests are and refuted when one is (Holm over its tests). Intervals are the (1 − α) intervals "
    "the better/worse tests read (α: the look's). 'Seeds to decide': the first planned look at which the leaning "
    "test has 80% power, with the spread measured on the other rows of the same table."
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


REPORT_SETTINGS = "report-settings:verdicts"  # ablab.studies.report_settings puts it into the store


def report_settings(data: ReportData) -> dict | None:
    """The shipped run at the report's settings (claims' verdicts and where it ran), when the store holds it."""
    stored = data.artifacts.get(REPORT_SETTINGS)
    return stored[2] if stored else None


def settings_label(shipped: dict) -> str:
    source = shipped.get("source", {})
    return (f"report's settings: {', '.join(source.get('devices') or ['?'])} "
            f"({', '.join(source.get('backends') or [])}), seeds {source.get('seeds')}, "
            f"{source.get('trials')} trials, {shipped.get('file', '')}")


def _at_settings(shipped: dict | None, claim_id: str) -> list[str]:
    if shipped is None:
        return []
    claim = shipped["claims"].get(claim_id)
    if not claim:
        return ["–"]
    return [claim["verdict"] + (f": {claim['effect']}" if claim.get("effect") else "")]


def _summary_row(data: ReportData, f: Finding, shipped: dict | None) -> list[str]:
    reduced = bool(reduction(data, f))
    return [f.claim.id, f.claim.text, f.verdict + (" (reduced)" if reduced else ""), _effect(f), str(f.trials),
            _needed(f, _not_run_cost_s(data))] + _at_settings(shipped, f.claim.id)


def _task3_row(t: Task3Finding, shipped: dict | None) -> list[str]:
    reduced = t.indicative and bool(t.trials)
    return [t.id, t.text, t.verdict + (" (reduced)" if reduced else ""), "–", str(t.trials),
            t.seeds_text] + (["–"] if shipped is not None else [])


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


def _decided_sentence(findings: list[Finding], task3: Task3Finding | None, shipped: dict | None) -> str:
    verdicts = [f.verdict for f in findings] + ([task3.verdict] if task3 else [])
    here = {f.claim.id for f in findings if f.verdict not in (UNDECIDED, NOT_RUN)}
    here |= {task3.id} if task3 and task3.verdict not in (UNDECIDED, NOT_RUN) else set()
    there = {k for k, v in (shipped or {}).get("claims", {}).items() if v["verdict"] not in (UNDECIDED, NOT_RUN)}
    ids = [f.claim.id for f in findings] + ([task3.id] if task3 else [])
    either = [i for i in ids if i in here or i in there]
    text = (", ".join(f"{v} {n}" for v, n in sorted(Counter(verdicts).items()))
            + f". Decided (confirmed or refuted): {len(here)} of {len(ids)} by this run")
    if shipped is not None:
        text += f", {len(either)} of {len(ids)} by this run or the shipped run at the report's settings"
    return text + "."


def forest_rows(findings: list[Finding]) -> list[tuple]:
    """(label, verdict, mean, low, high, margin) in accuracy points, one per claim with a tested effect."""
    rows = []
    for f in findings:
        decisive = next((r for r in f.results if r.verdict == f.verdict), f.results[0] if f.results else None)
        c = decisive.effect if decisive else None
        if c is not None and c.low is not None:
            rows.append((f.claim.id, f.verdict, 100 * c.mean, 100 * c.low, 100 * c.high, 100 * c.margin))
    return rows


def findings_blocks(data: ReportData, findings: list[Finding], task3: Task3Finding | None = None, *,
                    title: str = "conclusions of the report", forest: str | None = None) -> list[Block]:
    """The Findings heading, the forest plot, counts and rules, the summary table and one block per claim."""
    shipped = report_settings(data)
    count = len(findings) + (1 if task3 else 0)
    blocks: list[Block] = [Heading(2, "Findings", "findings")]
    if forest:
        blocks.append(Image(forest, "Every claim's decisive effect with its interval against the ±margin band "
                                    "(shaded), coloured by verdict: green confirmed/better, red refuted/worse, blue "
                                    "equivalent, grey not decided"))
    blocks += [
        Paragraph(f"{count} {title}, each tested on our results"
                  + (" (Task 3: common-sense errors)" if task3 else "") + ": "
                  + _decided_sentence(findings, task3, shipped)),
        Paragraph(RULES, note=True),
    ]
    blocks.append(Paragraph(f"Fidelity: 'verdict' is this run's (profile {data.profile}; '(reduced)': on the "
                            "profile's stated reductions, see each table)" + (
                                f"; the last column is the shipped run at the {settings_label(shipped)} "
                                "(docs/full-report)" if shipped is not None else "") + ".", note=True))
    headers = ["id", "claim", "verdict", "decisive effect (pts, interval, n)", "trials", "seeds to decide"]
    blocks.append(Table(headers + (["at the report's settings (shipped run)"] if shipped is not None else []),
                        [_summary_row(data, f, shipped) for f in findings]
                        + ([_task3_row(task3, shipped)] if task3 else []),
                        [_slug(f.verdict) for f in findings] + ([_slug(task3.verdict)] if task3 else [])))
    for f in findings:
        blocks += _claim_blocks(data, f)
    return blocks + (_task3_blocks(task3) if task3 else [])
