"""`ablab study run --decide` and `ablab reproduce --budget` from the command line (tiny data, no real training)."""

import re

import yaml

from test_cli_study import ablab
from study_fixtures import HOOK, tiny_spec


def test_study_run_in_decision_mode_runs_two_seeds_per_cell_and_resumes(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_spec(seeds=4, rows=2)))
    store = str(tmp_path / "s.db")
    args = ("study", "run", str(path), "--decide", "--budget", "10m", "--workers", "0", "--worker-hook", HOOK,
            "--store", store, "--no-progress")
    first = ablab(*args)
    assert first.returncode == 0, first.stderr
    # 2 rows × 2 datasets × 2 seeds, then seeds for the row-against-reference comparisons still undecided
    ran = int(re.search(r"ran (\d+)", first.stdout).group(1))
    assert 8 <= ran <= 2 * 2 * 12 and "decision mode:" in first.stdout
    again = ablab(*args)
    assert again.returncode == 0 and "ran 0" in again.stdout


def test_a_bad_budget_exits_2_naming_the_option(tmp_path):
    result = ablab("reproduce", "--budget", "soon", "--store", str(tmp_path / "s.db"), "--out", str(tmp_path / "r"))
    assert result.returncode == 2 and "--budget 'soon'" in result.stderr and "30m" in result.stderr
    both = ablab("reproduce", "--even", "--budget", "5m", "--store", str(tmp_path / "s.db"))
    assert both.returncode == 2 and "--even" in both.stderr
