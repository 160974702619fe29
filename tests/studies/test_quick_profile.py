"""The quick profile's stated reductions: CNNs that learn (8,000 images, epochs × 0.3, batch × 1/8), 2 seeds for
every cell of a claim, and batch_scale's rounding."""

from ablab.report.findings import CLAIMS
from ablab.studies.catalog import builtin_specs, load_builtin
from ablab.studies.expand import expand
from ablab.studies.spec import parse_spec


def test_the_reference_cnn_under_quick_is_the_measured_setting():
    cells = expand(load_builtin("table5"), "quick")
    ref = next(t.spec.config for t in cells if t.row == "BS=256 Ep=10")
    assert (ref.train_subset, ref.epochs, ref.batch_size, ref.valid_subset, ref.test_subset) == (8000, 3, 32, 500, 2000)
    short = next(t.spec.config for t in cells if t.row == "BS=64 Ep=5")
    assert (short.epochs, short.batch_size) == (2, 8)  # rows keep their order in epochs and batch size


def test_every_cell_of_a_claim_starts_with_two_seeds_under_quick():
    seeds: dict = {}
    for spec in builtin_specs():
        for t in expand(spec, "quick"):
            seeds.setdefault((t.table, t.group, t.row, t.dataset), set()).add(t.seed)
    for claim in CLAIMS:
        for cell in claim.cells():
            assert len(seeds[cell]) >= 2, (claim.id, cell)


def test_batch_scale_rounds_and_keeps_at_least_one():
    spec = parse_spec({"name": "b", "model": "mlp", "datasets": ["mnist"], "base": {"batch_size": 3},
                       "vary": [{"group": "g", "rows": [{"label": "x"}, {"label": "y", "set": {"batch_size": 256}}]}],
                       "profiles": {"quick": {"batch_scale": 0.125}}})
    sizes = [t.spec.config.batch_size for t in expand(spec, "quick")]
    assert sizes == [1, 32]
