"""Study specs: validation with field paths, expand counts against the report, shared trials, profiles."""

import csv
from collections import Counter
from importlib import resources

import pytest
import yaml

from ablab.errors import AblabError
from ablab.studies.catalog import builtin_names, load_builtin, resolve_spec
from ablab.studies.expand import expand, grid_rows, unique_specs
from ablab.studies.spec import parse_spec
from study_fixtures import tiny_spec


def report_rows() -> Counter:
    """Rows per table in the report: (table, group, row, dataset) cells with an accuracy value."""
    text = resources.files("ablab.studies.reference").joinpath("report_values.csv").read_text()
    return Counter(int(r["table"]) for r in csv.DictReader(text.splitlines()) if r["metric"] == "accuracy")


def test_there_is_one_builtin_per_table_then_task_3():
    assert builtin_names() == [f"table{i}" for i in range(1, 8)] + ["clock-encodings"]


@pytest.mark.parametrize("name", [f"table{i}" for i in range(1, 8)])
@pytest.mark.parametrize("profile", ["full", "quick"])
def test_expand_gives_the_reports_rows_times_seeds(name, profile):
    spec = load_builtin(name)
    rows = report_rows()[spec.table]
    assert rows == {1: 8, 2: 30, 3: 30, 4: 20, 5: 36, 6: 18, 7: 16}[spec.table]
    cells = expand(spec, profile)
    # quick: every cell starts at 2 seeds (the decision mode adds more where a claim is undecided)
    seeds = 3 if profile == "full" else 2
    if name == "table1" and profile == "quick":  # its MLP rows and its reduced CNN rows: 2 seeds each
        assert len(cells) == 4 * 2 + 4 * 2
        assert Counter(c.spec.config.model for c in cells) == {"mlp": 8, "cnn": 8}
        return
    assert len(cells) == rows * seeds
    # every cell is one of the report's (group, row, dataset), each with every seed
    text = resources.files("ablab.studies.reference").joinpath("report_values.csv").read_text()
    wanted = {(r["group"], r["row"], r["dataset"]) for r in csv.DictReader(text.splitlines())
              if int(r["table"]) == spec.table}
    assert {(c.group, c.row, c.dataset) for c in cells} == wanted
    assert Counter((c.group, c.row, c.dataset) for c in cells) == {w: seeds for w in wanted}


def test_seeds_override_counts_and_lists():
    spec = load_builtin("table4")
    assert len(expand(spec, "full", seeds=5)) == 20 * 5
    assert {c.seed for c in expand(spec, "full", seeds=[11, 12])} == {11, 12}


def test_mlp_rows_are_one_epoch_and_the_reference_is_one_trial_across_tables():
    cells = [c for name in ("table2", "table3", "table4") for c in expand(load_builtin(name), "full")]
    assert all(c.spec.config.epochs == 1 for c in cells)
    reference = {c.key for c in cells if c.dataset == "mnist" and c.seed == 0 and
                 (c.row, c.group) in {("None", "Kernel and bias initializer"),
                                      ("RELU", "Hidden layer activation function"), ("SGD", "Optimizer"),
                                      ("None", "Steps per execution"), ("Reference", "Architecture")}}
    assert len(reference) == 1
    assert len(unique_specs(cells)) < len(cells)


@pytest.mark.parametrize("profile", ["quick", "full"])
def test_tuned_cnn_is_the_same_trial_in_tables_1_5_and_7(profile):
    def key(name, group, row, dataset):
        return next(c.key for c in expand(load_builtin(name), profile)
                    if (c.group, c.row, c.dataset, c.seed) == (group, row, dataset, 0))

    reference = key("table5", "Batch size and epochs", "BS=256 Ep=10", "fashion-mnist")
    assert key("table1", "CNN for Fashion MNIST", "Original", "fashion-mnist") == reference
    assert (key("table1", "CNN for MNIST", "Original", "mnist")
            == key("table7", "Network structure and parameters", "Dropout rate 0.4", "mnist"))


def test_table1_permutes_only_obfuscated_rows_with_a_stored_seed():
    cells = expand(load_builtin("table1"), "full")
    for c in cells:
        assert (c.spec.config.permutation_seed is not None) == (c.row == "Obfuscated")
    mlp_mnist = next(c.spec.config for c in cells if c.group == "MLP for MNIST")
    assert (mlp_mnist.activation, mlp_mnist.optimizer, mlp_mnist.steps_per_execution) == ("selu", "nadam", 10)
    assert mlp_mnist.hidden_units == (300, 200, 100)


def test_quick_profile_shrinks_cnns_but_keeps_epoch_order():
    cells = expand(load_builtin("table5"), "quick")
    epochs = {c.row: c.spec.config.epochs for c in cells if c.group == "Batch size and epochs"}
    assert epochs["BS=64 Ep=5"] < epochs["BS=64 Ep=10"]
    assert all(c.spec.config.train_subset for c in cells)
    full = expand(load_builtin("table5"), "full")
    assert all(c.spec.config.train_subset is None for c in full)
    assert {c.spec.config.epochs for c in full if c.group == "Batch size and epochs"} == {5, 10}


def test_grid_is_a_product_with_labels():
    spec = load_builtin("table5")
    rows = grid_rows(spec.grid[0])
    assert len(rows) == 12
    assert rows[0].label == "SGD(lr=0.001)" and rows[-1].label == "RMSprop(lr=0.1)"
    assert rows[-1].set == {"optimizer": "rmsprop", "learning_rate": 0.1}


def _error(data) -> str:
    with pytest.raises(AblabError) as err:
        parse_spec(data, source="s.yaml")
    return str(err.value)


@pytest.mark.parametrize(
    "change,expected",
    [
        ({"colour": "red"}, "s.yaml: colour: unknown field"),
        ({"seeds": 0}, "s.yaml: seeds:"),
        ({"vary": []}, "at least one `vary` or `grid` group"),
        ({"datasets": ["cifar"]}, "unknown dataset 'cifar'; known: fashion-mnist, mnist"),
        ({"base": {"optimizer": "bogus"}}, "s.yaml: base.optimizer: Input should be 'adadelta'"),
        ({"base": {"nope": 1}}, "s.yaml: base.nope: unknown config field"),
        ({"profiles": {"quick": {"set": {"epochs": 0}}}}, "s.yaml: profiles.quick.set.epochs:"),
        ({"profiles": {"quick": {"epochs_scale": -1}}}, "s.yaml: profiles.quick.epochs_scale:"),
        ({"name": "Bad Name"}, "s.yaml: name:"),
    ],
)
def test_spec_errors_name_the_field(change, expected):
    assert expected in _error(tiny_spec(extra=change))


def test_errors_inside_rows_and_grids_give_their_path():
    spec = tiny_spec()
    spec["vary"][0]["rows"][1]["set"] = {"learning_rate": -1}
    assert "s.yaml: vary[0].rows[1].set.learning_rate: Input should be greater than 0" in _error(spec)
    spec = tiny_spec()
    spec["vary"][0]["rows"][2]["sett"] = {}
    assert "s.yaml: vary[0].rows[2].sett: unknown field" in _error(spec)
    spec = tiny_spec()
    spec["vary"][0]["rows"][0]["preset"] = "no-such-preset"
    assert "s.yaml: vary[0].rows[0].preset: unknown mlp preset 'no-such-preset'" in _error(spec)
    spec = tiny_spec(extra={"grid": [{"group": "g", "factors": {"batch_size": [0, 8]}, "label": "bs {batch_size}"}]})
    assert "s.yaml: grid[0].factors.batch_size:" in _error(spec)
    spec = tiny_spec(extra={"grid": [{"group": "g", "factors": {"batch_size": [8]}, "label": "{epochs}"}]})
    assert "grid[0]" in _error(spec) and "not factors" in _error(spec)
    spec = tiny_spec()
    spec["vary"][0]["rows"][1]["label"] = "default"
    assert "duplicate row labels ['default']" in _error(spec)


def test_spec_files_resolve_and_bad_yaml_is_reported(tmp_path):
    good = tmp_path / "tiny.yaml"
    good.write_text(yaml.safe_dump(tiny_spec()))
    assert resolve_spec(str(good)).name == "tiny"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(AblabError, match="bad.yaml: line 2 is not valid YAML"):
        resolve_spec(str(bad))
    with pytest.raises(AblabError, match="unknown study 'table9'; known: clock-encodings, table1"):
        resolve_spec("table9")


def test_unknown_profile_lists_known_ones():
    with pytest.raises(AblabError, match="unknown profile 'fast'; known: full, quick"):
        expand(parse_spec(tiny_spec()), "fast")


def test_a_study_can_hold_clock_trial_configs():
    pytest.importorskip("ablab.clock.read.config")
    spec = parse_spec({
        "name": "clock-encodings", "task": "clock", "base": {"epochs": 1, "n_images": 40},
        "vary": [{"group": "Encoding", "rows": [{"label": "hands"},
                                                {"label": "hands again", "set": {"batch_size": 8}}]}],
    })
    cells = expand(spec, "quick")
    assert [c.spec.config.task for c in cells] == ["clock", "clock"]
    from ablab.clock.read.config import ClockTrialConfig

    assert cells[0].dataset is None and cells[0].spec.config.model == ClockTrialConfig().model  # the task's default
    with pytest.raises(AblabError, match=r"vary\[0\].rows\[0\].set.encoding"):
        parse_spec({"name": "c", "task": "clock",
                    "vary": [{"group": "g", "rows": [{"label": "x", "set": {"encoding": "nope"}}]}]})
