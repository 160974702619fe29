"""The report's conclusions as data, each with explicit tests on our numbers, and the rules that give verdicts.

A claim holds one or more tests on test accuracy. Every test compares cells through the 95% interval of a
difference of means (paired over seeds when both cells have the same seeds, else Welch):

- better(a, b):            confirmed if the interval of a−b is above 0, refuted if at or below 0 (an interval
                           [0, 0] means identical results: no improvement at all), else not supported.
- best(a, among):          confirmed if a is better (as above) than every other row, refuted if some row is
                           better than a, else not supported.
- close(a, b, m):          "comparable": confirmed if the interval of a−b lies within ±m, refuted if it lies
                           entirely outside ±m, else not supported.
- marginally_better(a,b,m): confirmed if mean a−b > 0 and the interval lies within ±m; refuted if b is better
                           (interval below 0) or a is better by more than m (interval above m); else not supported.
- not_better(a, b, m):     "no improvement": refuted if a is better (interval above 0); confirmed if the interval's
                           upper end is below m; else not supported.

A claim is confirmed when all its tests are, refuted when any is, otherwise not supported. With fewer than two
seeds on a side there is no interval and the test is not supported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ablab.report.aggregate import per_seed
from ablab.report.load import CellId, ReportData
from ablab.report.stats import Interval, difference_interval, mean_interval

CONFIRMED, NOT_SUPPORTED, REFUTED, NOT_RUN = "confirmed", "not supported", "refuted", "not run"
MARGIN = 0.01  # accuracy: what "close", "comparable", "marginally" allow (1 percentage point)
M, F = "mnist", "fashion-mnist"
DATASET_NAMES = {M: "MNIST", F: "Fashion-MNIST"}

# The tuned reference CNN of the CNN experiments 4–10: RMSprop(lr=0.001), batch 256, 10 epochs, dropout 0.5.
CNN_REF = (5, "Batch size and epochs", "BS=256 Ep=10")


@dataclass(frozen=True)
class Test:
    kind: str  # better | best | close | marginally_better | not_better
    a: tuple[int, str, str]  # (table, group, row)
    dataset: str
    b: tuple[int, str, str] | None = None
    among: tuple[str, ...] = ()  # rows of a's group, for `best`
    margin: float = MARGIN


@dataclass(frozen=True)
class Claim:
    id: str
    source: str
    text: str
    tests: tuple[Test, ...]
    note: str = ""  # where the report's own numbers disagree with its text, or a reading we had to choose


def _both(make) -> tuple[Test, ...]:
    return (make(M), make(F))


def _t(table: int, group: str, row: str) -> tuple[int, str, str]:
    return (table, group, row)


INIT, ACT, REG = "Kernel and bias initializer", "Hidden layer activation function", "Kernel, bias and activity regularizer"
OPT, STEPS, ARCH = "Optimizer", "Steps per execution", "Architecture"
CNN_OPT, CNN_BS, CNN_INIT = "Optimizer and learning rate", "Batch size and epochs", "Kernel, bias initializers"
CNN_ACT, CNN_NET = "Activation function", "Network structure and parameters"
ACTIVATIONS = ("RELU", "Sigmoid", "TanH", "SELU", "ELU", "Exponential")
OPTIMIZERS = ("AdaDelta", "AdaGrad", "Adam", "AdaMax", "FTRL", "NAdam", "RMSProp", "SGD")
STEP_ROWS = ("None", "2", "5", "10", "20", "50", "100")
CNN_OPT_ROWS = tuple(f"{o}(lr={lr})" for o in ("SGD", "Adagrad", "Adam", "RMSprop") for lr in ("0.001", "0.01", "0.1"))
CNN_BS_ROWS = tuple(f"BS={b} Ep={e}" for b in (64, 128, 256) for e in (5, 10))
CNN_INIT_ROWS = (
    "RandomNormal,RandomNormal", "RandomNormal,Zeros", "RandomNormal,GlorotUniform", "Zeros,RandomNormal", "Zeros,Zeros",
    "Zeros,GlorotUniform", "GlorotUniform,RandomUniform", "GlorotUniform,Zeros", "GlorotUniform,GlorotUniform",
)


def _net(row: str) -> tuple[int, str, str]:
    return _t(7, CNN_NET, row)


CLAIMS: tuple[Claim, ...] = (
    Claim("MLP-1", "MLP conclusion 1", "Classification on Fashion MNIST benefits from a Random Normal kernel and bias initializer.",
          (Test("better", _t(2, INIT, "Random Normal"), F, b=_t(2, INIT, "None")),)),
    Claim("MLP-2", "MLP conclusion 2", "SELU is the best hidden-layer activation on both datasets.",
          _both(lambda d: Test("best", _t(2, ACT, "SELU"), d, among=ACTIVATIONS))),
    Claim("MLP-3", "MLP conclusion 3", "L2 regularization offers slightly better results for Fashion MNIST (than none).",
          (Test("better", _t(2, REG, "L2"), F, b=_t(2, REG, "None")),)),
    Claim("MLP-4", "MLP conclusion 4", "NAdam is the best optimizer on both datasets.",
          _both(lambda d: Test("best", _t(3, OPT, "NAdam"), d, among=OPTIMIZERS))),
    Claim("MLP-5", "MLP conclusion 5",
          "Accuracy is higher with multiple steps per execution; best 10 steps for MNIST, 20 for Fashion MNIST.",
          (Test("better", _t(3, STEPS, "10"), M, b=_t(3, STEPS, "None")),
           Test("better", _t(3, STEPS, "20"), F, b=_t(3, STEPS, "None")),
           Test("best", _t(3, STEPS, "10"), M, among=STEP_ROWS),
           Test("best", _t(3, STEPS, "20"), F, among=STEP_ROWS))),
    Claim("MLP-6", "MLP conclusion 6",
          "More layers improve performance: for Fashion MNIST one layer of 200 in between; for MNIST also 600 before and 50 after.",
          (Test("better", _t(4, ARCH, "Extra layer inbetween"), F, b=_t(4, ARCH, "Reference")),
           Test("better", _t(4, ARCH, "All 3 extra layers"), M, b=_t(4, ARCH, "Reference"))),
          note="In the report's Table 4 the MNIST and Fashion-MNIST values of rows 3–8 look swapped (e.g. 'Fashion' "
               "0.923 after one epoch); the conclusion follows the swapped reading."),
    Claim("CNN-1", "CNN experiment 1", "RMSprop with learning rate 0.001 gives the best accuracy on both datasets.",
          _both(lambda d: Test("best", _t(5, CNN_OPT, "RMSprop(lr=0.001)"), d, among=CNN_OPT_ROWS))),
    Claim("CNN-2", "CNN experiment 2", "Batch size 256 with 10 epochs gives the best accuracy on both datasets.",
          _both(lambda d: Test("best", _t(5, CNN_BS, "BS=256 Ep=10"), d, among=CNN_BS_ROWS))),
    Claim("CNN-3", "CNN experiment 3", "The default initializers (Glorot uniform kernel, zero bias) work best.",
          _both(lambda d: Test("best", _t(6, CNN_INIT, "GlorotUniform,Zeros"), d, among=CNN_INIT_ROWS)),
          note="Keras's default is Glorot uniform kernels with zero biases: Table 6's 'GlorotUniform,Zeros' row."),
    Claim("CNN-4", "CNN experiment 4", "relu performs better than tanh and selu.",
          tuple(Test("better", CNN_REF, d, b=_t(7, CNN_ACT, act)) for d in (M, F) for act in ("tanh", "selu"))),
    Claim("CNN-5", "CNN experiment 5", "Reduced filters perform well, but the original is marginally better.",
          _both(lambda d: Test("marginally_better", CNN_REF, d, b=_net("Reducing filter size")))),
    Claim("CNN-6", "CNN experiment 6", "Increased filters perform well, but the original is marginally better.",
          _both(lambda d: Test("marginally_better", CNN_REF, d, b=_net("Increasing filter size")))),
    Claim("CNN-7", "CNN experiment 7", "Dropout 0.4 improves MNIST; no improvement for Fashion MNIST.",
          (Test("better", _net("Dropout rate 0.4"), M, b=CNN_REF),
           Test("not_better", _net("Dropout rate 0.4"), F, b=CNN_REF))),
    Claim("CNN-8", "CNN experiment 8", "Max pooling performs better than average pooling.",
          _both(lambda d: Test("better", CNN_REF, d, b=_net("Average Pooling")))),
    Claim("CNN-9", "CNN experiment 9", "With the last conv block removed, performance is comparable to the original.",
          _both(lambda d: Test("close", CNN_REF, d, b=_net("Reducing number of layers"))),
          note="The report's own Table 7 gives 0.616 (MNIST) and 0.101 (Fashion-MNIST) for this row, against its text."),
    Claim("CNN-10", "CNN experiment 10", "With an extra conv block, performance is worse than the original.",
          _both(lambda d: Test("better", CNN_REF, d, b=_net("Increasing number of layers")))),
    Claim("T1-1", "Table 1 (Task 2)", "For MLPs, performance on obfuscated data is very close to that on the originals.",
          (Test("close", _t(1, "MLP for MNIST", "Original"), M, b=_t(1, "MLP for MNIST", "Obfuscated")),
           Test("close", _t(1, "MLP for Fashion MNIST", "Original"), F, b=_t(1, "MLP for Fashion MNIST", "Obfuscated")))),
    Claim("T1-2", "Table 1 (Task 2)", "The CNN is (slightly) worse on obfuscated data than on the originals.",
          (Test("better", _t(1, "CNN for MNIST", "Original"), M, b=_t(1, "CNN for MNIST", "Obfuscated")),
           Test("better", _t(1, "CNN for Fashion MNIST", "Original"), F, b=_t(1, "CNN for Fashion MNIST", "Obfuscated")))),
)


@dataclass
class TestResult:
    test: Test
    verdict: str
    description: str
    numbers: str
    reason: str = ""


@dataclass
class Finding:
    claim: Claim
    verdict: str
    results: list[TestResult] = field(default_factory=list)


def _fmt(interval: Interval, signed: bool = False) -> str:
    if interval.mean is None:
        return "no data"
    sign = "+" if signed else ""
    if interval.low is None:
        return f"{interval.mean:{sign}.4f} (n={interval.n}, no CI)"
    return f"{interval.mean:{sign}.4f} [{interval.low:{sign}.4f}, {interval.high:{sign}.4f}] (n={interval.n})"


def _cell(t: tuple[int, str, str], dataset: str) -> CellId:
    return (t[0], t[1], t[2], dataset)


def _label(t: tuple[int, str, str]) -> str:
    return f"T{t[0]} {t[2]}"


def _diff(data: ReportData, a: tuple, b: tuple, dataset: str) -> tuple[Interval, str]:
    return difference_interval(per_seed(data, _cell(a, dataset)), per_seed(data, _cell(b, dataset)))


def _pairwise_verdict(d: Interval, kind: str, margin: float) -> str:
    if d.low is None:
        return NOT_SUPPORTED
    if kind == "better":
        return CONFIRMED if d.low > 0 else REFUTED if d.high <= 0 else NOT_SUPPORTED
    if kind == "close":
        inside = -margin <= d.low and d.high <= margin
        return CONFIRMED if inside else REFUTED if (d.low > margin or d.high < -margin) else NOT_SUPPORTED
    if kind == "marginally_better":
        if d.high < 0 or d.low > margin:
            return REFUTED
        return CONFIRMED if d.mean > 0 and -margin <= d.low and d.high <= margin else NOT_SUPPORTED
    if kind == "not_better":
        return REFUTED if d.low > 0 else CONFIRMED if d.high < margin else NOT_SUPPORTED
    raise ValueError(f"unknown test kind {kind!r}")


def _pairwise(data: ReportData, test: Test) -> TestResult:
    d, method = _diff(data, test.a, test.b, test.dataset)
    ia = mean_interval(list(per_seed(data, _cell(test.a, test.dataset)).values()))
    ib = mean_interval(list(per_seed(data, _cell(test.b, test.dataset)).values()))
    words = {"better": "better than", "close": f"within ±{test.margin} of", "marginally_better": "marginally better than",
             "not_better": "no better than"}[test.kind]
    description = f"{DATASET_NAMES[test.dataset]}: {_label(test.a)} {words} {_label(test.b)}"
    numbers = f"{_label(test.a)} {_fmt(ia)}; {_label(test.b)} {_fmt(ib)}; difference {_fmt(d, True)} ({method})"
    reason = "fewer than 2 seeds: no interval" if d.low is None else ""
    return TestResult(test, _pairwise_verdict(d, test.kind, test.margin), description, numbers, reason)


def _best(data: ReportData, test: Test) -> TestResult:
    others = [r for r in test.among if r != test.a[2]]
    diffs = {row: _diff(data, test.a, (test.a[0], test.a[1], row), test.dataset)[0] for row in others}
    verdicts = {row: _pairwise_verdict(d, "better", test.margin) for row, d in diffs.items()}
    if REFUTED in verdicts.values():
        verdict = REFUTED
    elif verdicts and all(v == CONFIRMED for v in verdicts.values()):
        verdict = CONFIRMED
    else:
        verdict = NOT_SUPPORTED
    means = {r: mean_interval(list(per_seed(data, _cell((test.a[0], test.a[1], r), test.dataset)).values())).mean
             for r in test.among}
    ranked = sorted(((m, r) for r, m in means.items() if m is not None), reverse=True)
    top = ranked[0][1] if ranked else "-"
    known = {r: d for r, d in diffs.items() if d.mean is not None}
    closest = min(known, key=lambda r: known[r].mean) if known else None
    beaten_by = [r for r, v in verdicts.items() if v == REFUTED]
    parts = [f"{test.a[2]} mean {means[test.a[2]]:.4f}" if means.get(test.a[2]) is not None else f"{test.a[2]}: no data",
             f"our top row: {top}"]
    if closest is not None:
        parts.append(f"difference to the closest other ({closest}): {_fmt(known[closest], True)}")
    if beaten_by:
        parts.append(f"at least as good (interval of the difference at or below 0): {', '.join(beaten_by)}")
    description = f"{DATASET_NAMES[test.dataset]}: {_label(test.a)} best of {test.a[1]} ({len(test.among)} rows)"
    reason = "fewer than 2 seeds: no interval" if known and all(d.low is None for d in known.values()) else ""
    return TestResult(test, verdict, description, "; ".join(parts), reason)


def _has_data(data: ReportData, claim: Claim) -> bool:
    return any(per_seed(data, _cell(t.a, t.dataset)) for t in claim.tests)


def evaluate(data: ReportData, claims: tuple[Claim, ...] = CLAIMS) -> list[Finding]:
    """A verdict for every claim; claims whose cells the store does not hold are marked 'not run'."""
    findings = []
    for claim in claims:
        if not _has_data(data, claim):
            findings.append(Finding(claim, NOT_RUN, []))
            continue
        results = [(_best if t.kind == "best" else _pairwise)(data, t) for t in claim.tests]
        findings.append(Finding(claim, combine([r.verdict for r in results]), results))
    return findings


def combine(verdicts: list[str]) -> str:
    """All confirmed -> confirmed; any refuted -> refuted; otherwise not supported."""
    if verdicts and all(v == CONFIRMED for v in verdicts):
        return CONFIRMED
    return REFUTED if REFUTED in verdicts else NOT_SUPPORTED
