"""The report's conclusions as data (19 claims: 6 MLP, 10 CNN, 2 from Table 1; Task 3's T3-1 is in
`ablab.report.clock`), and `evaluate`, which gives each a verdict by the rules of `ablab.report.verdicts`
(better / worse / equivalent within a declared margin, at the decision mode's planned looks), with its effect, n,
trials and the planned seeds that would likely decide it when it is still open.

A claim is confirmed when all its tests are (intersection–union), refuted when one of them is (Holm over its
tests), otherwise not decided. With fewer than two seeds on a side there is no test and it is not decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ablab.report.aggregate import per_seed
from ablab.report.compare import DEFAULT_MARGINS, median_sd
from ablab.report.load import ReportData
from ablab.report.verdicts import (  # noqa: F401  (re-exported: the report's renderers and Task 3 use them)
    CONFIRMED, DATASET_NAMES, NOT_RUN, REFUTED, UNDECIDED, CellId, Evidence, SeedValues, Test, TestResult,
    claim_seeds_needed, combine, fmt_points, run_test,
)
M, F = "mnist", "fashion-mnist"
# The studies the report's claims are about (ablab.studies.builtin): a store holding none of them is reported as
# the user's own studies.
REPORT_STUDIES = ("table1", "table2", "table3", "table4", "table5", "table6", "table7", "clock-encodings")

# The tuned reference CNN of the CNN experiments 4–10: RMSprop(lr=0.001), batch 256, 10 epochs, dropout 0.5.
CNN_REF = (5, "Batch size and epochs", "BS=256 Ep=10")


@dataclass(frozen=True)
class Claim:
    id: str
    source: str
    text: str
    tests: tuple[Test, ...]
    note: str = ""  # where the report's own numbers disagree with its text, or a reading we had to choose

    def cells(self) -> list[CellId]:
        """Every cell any of its tests reads (the cells the decision mode gives more seeds)."""
        return list(dict.fromkeys(c for t in self.tests for c in t.cells()))


def _both(make) -> tuple[Test, ...]:
    return (make(M), make(F))


def _t(table: int, group: str, row: str) -> tuple[int, str, str]:
    return (table, group, row)


INIT, ACT, REG = ("Kernel and bias initializer", "Hidden layer activation function",
                  "Kernel, bias and activity regularizer")
OPT, STEPS, ARCH = "Optimizer", "Steps per execution", "Architecture"
CNN_OPT, CNN_BS, CNN_INIT = "Optimizer and learning rate", "Batch size and epochs", "Kernel, bias initializers"
CNN_ACT, CNN_NET = "Activation function", "Network structure and parameters"
ACTIVATIONS = ("RELU", "Sigmoid", "TanH", "SELU", "ELU", "Exponential")
OPTIMIZERS = ("AdaDelta", "AdaGrad", "Adam", "AdaMax", "FTRL", "NAdam", "RMSProp", "SGD")
STEP_ROWS = ("None", "2", "5", "10", "20", "50", "100")
CNN_OPT_ROWS = tuple(f"{o}(lr={lr})" for o in ("SGD", "Adagrad", "Adam", "RMSprop") for lr in ("0.001", "0.01", "0.1"))
CNN_BS_ROWS = tuple(f"BS={b} Ep={e}" for b in (64, 128, 256) for e in (5, 10))
CNN_INIT_ROWS = (
    "RandomNormal,RandomNormal", "RandomNormal,Zeros", "RandomNormal,GlorotUniform",
    "Zeros,RandomNormal", "Zeros,Zeros", "Zeros,GlorotUniform",
    "GlorotUniform,RandomUniform", "GlorotUniform,Zeros", "GlorotUniform,GlorotUniform",
)


def _net(row: str) -> tuple[int, str, str]:
    return _t(7, CNN_NET, row)


CLAIMS: tuple[Claim, ...] = (
    Claim("MLP-1", "MLP conclusion 1",
          "Classification on Fashion MNIST benefits from a Random Normal kernel and bias initializer.",
          (Test("better", _t(2, INIT, "Random Normal"), F, b=_t(2, INIT, "None")),)),
    Claim("MLP-2", "MLP conclusion 2", "SELU is the best hidden-layer activation on both datasets.",
          _both(lambda d: Test("best", _t(2, ACT, "SELU"), d, among=ACTIVATIONS))),
    Claim("MLP-3", "MLP conclusion 3",
          "L2 regularization offers slightly better results for Fashion MNIST (than none).",
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
          "More layers improve performance: for Fashion MNIST one layer of 200 in between; "
          "for MNIST also 600 before and 50 after.",
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
          note="The report's own Table 7 gives 0.616 (MNIST) and 0.101 (Fashion-MNIST) for this row, "
               "against its text."),
    Claim("CNN-10", "CNN experiment 10", "With an extra conv block, performance is worse than the original.",
          _both(lambda d: Test("better", CNN_REF, d, b=_net("Increasing number of layers")))),
    Claim("T1-1", "Table 1 (Task 2)",
          "For MLPs, performance on obfuscated data is very close to that on the originals.",
          (Test("close", _t(1, "MLP for MNIST", "Original"), M, b=_t(1, "MLP for MNIST", "Obfuscated")),
           Test("close", _t(1, "MLP for Fashion MNIST", "Original"), F,
                b=_t(1, "MLP for Fashion MNIST", "Obfuscated")))),
    Claim("T1-2", "Table 1 (Task 2)", "The CNN is (slightly) worse on obfuscated data than on the originals.",
          (Test("better", _t(1, "CNN for MNIST", "Original"), M, b=_t(1, "CNN for MNIST", "Obfuscated")),
           Test("better", _t(1, "CNN for Fashion MNIST", "Original"), F,
                b=_t(1, "CNN for Fashion MNIST", "Obfuscated")))),
)


@dataclass
class Finding:
    claim: Claim
    verdict: str
    results: list[TestResult] = field(default_factory=list)
    seeds_needed: int | None = None  # undecided: seeds per cell that would decide it at the observed effect
    trials: int = 0  # finished trials behind its cells


def judge(evidence: SeedValues | Evidence, claim: Claim) -> Finding:
    """One claim's verdict from per-seed results (the report and the decision mode both call this)."""
    evidence = evidence if isinstance(evidence, Evidence) else Evidence(evidence)
    values = evidence.values
    if not all(values(c) for c in claim.cells()):  # a budgeted run left (some of) its cells out
        return Finding(claim, NOT_RUN, [], trials=sum(len(values(c)) for c in claim.cells()))
    results = [run_test(evidence, t) for t in claim.tests]
    verdict = combine(results)
    needed = claim_seeds_needed(results) if verdict == UNDECIDED else None
    trials = sum(len(values(c)) for c in claim.cells())
    return Finding(claim, verdict, results, needed, trials)


def spread_outside(values: SeedValues, cells: list[CellId]):
    """σ of a paired difference for planning seeds, measured outside a claim's own cells: √2 × the median
    within-cell standard deviation of the other cells of the same table and dataset (independent runs; pairing by
    seed only lowers it). The median, not the pooled value: a few unstable rows (a diverging activation, zero
    initializers: ±20 points) would otherwise price every claim of their table out of reach."""
    def spread(claim_cells: list[CellId], dataset: str) -> float | None:
        tables = {c[0] for c in claim_cells}
        others = [c for c in cells if c[0] in tables and c[3] == dataset and c not in claim_cells]
        sd = median_sd([list(values(c).values()) for c in others])
        return None if sd is None else sd * 2 ** 0.5
    return spread


def declared_margins(data: ReportData) -> dict[str, float]:
    """Per dataset, the margin the studies in the store declared (`margins:` in a spec), else the default."""
    margins = dict(DEFAULT_MARGINS)
    for study in data.studies:
        margins.update(study.spec.get("margins") or {})
    return margins


def report_evidence(data: ReportData) -> Evidence:
    """The store's per-seed accuracies (cached per cell), its declared margins and the outside spread."""
    cache: dict[CellId, dict[int, float]] = {}

    def values(cell_id: CellId) -> dict[int, float]:
        if cell_id not in cache:
            cache[cell_id] = per_seed(data, cell_id)
        return cache[cell_id]

    cells = list(dict.fromkeys(c.cell_id for c in data.cells))
    return Evidence(values, declared_margins(data), spread_outside(values, cells))


def evaluate(data: ReportData, claims: tuple[Claim, ...] | None = None) -> list[Finding]:
    """A verdict for every claim; claims with a cell the store does not hold are marked 'not run'."""
    evidence = report_evidence(data)
    return [judge(evidence, claim) for claim in (CLAIMS if claims is None else claims)]
