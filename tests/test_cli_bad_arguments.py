"""`ablab clock generate` and `ablab results export` refuse bad arguments with exit code 2 and a message naming
the argument, before any work (no rendering, no store read) and without writing anything."""

import pytest

from ablab.commands import build_app, run_app
from ablab.store import Store


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    """Run `ablab ...` in this process: (exit code, stderr)."""
    try:
        run_app(build_app(), argv)
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    return code, capsys.readouterr().err


@pytest.mark.parametrize(("args", "message"), [
    (["--n", "0"], "--n must be at least 1 (got 0)"),
    (["--preset", "nope"], "unknown clock preset 'nope'; known: dots-only, gear-face, held-out,"),
    (["--size", "8"], "--size must be at least 32 pixels (got 8)"),
    (["--workers", "0"], "--workers must be at least 1 (got 0)"),
    (["--seed", "-1"], "--seed"),
])
def test_clock_generate_bad_numbers_and_presets_exit_2(args, message, tmp_path, capsys):
    code, err = run_cli(["clock", "generate", "--out", str(tmp_path / "clocks"), "--n", "2", *args], capsys)
    assert code == 2 and message in err
    assert not (tmp_path / "clocks").exists()


@pytest.mark.parametrize("where", ["file", "under_a_file"])
def test_clock_generate_into_a_file_exits_2_before_rendering(where, tmp_path, capsys):
    (tmp_path / "taken").write_text("not a folder")
    out = tmp_path / "taken" if where == "file" else tmp_path / "taken" / "clocks"
    code, err = run_cli(["clock", "generate", "--out", str(out), "--n", "2", "--workers", "1"], capsys)
    assert code == 2 and f"{tmp_path / 'taken'} is a file, not a folder" in err
    assert "rendering" not in err and (tmp_path / "taken").read_text() == "not a folder"


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(tmp_path / "s.db")
    store.claim("k", {"model": "mlp"}, 0)
    return store


def test_results_export_into_a_folder_exits_2_naming_a_file_to_pass(store, tmp_path, capsys):
    (tmp_path / "out").mkdir()
    code, err = run_cli(["results", "export", "--csv", str(tmp_path / "out"), "--store", str(store.path)], capsys)
    assert code == 2 and f"--csv {tmp_path / 'out'} is a folder; pass a file path such as " in err
    assert list((tmp_path / "out").iterdir()) == []


def test_results_export_under_a_file_exits_2_and_into_a_missing_folder_works(store, tmp_path, capsys):
    (tmp_path / "taken").write_text("not a folder")
    csv_path = tmp_path / "taken" / "sub" / "results.csv"
    code, err = run_cli(["results", "export", "--csv", str(csv_path), "--store", str(store.path)], capsys)
    assert code == 2 and f"{tmp_path / 'taken'} is a file, not a folder" in err
    assert (tmp_path / "taken").read_text() == "not a folder"
    csv_path = tmp_path / "new" / "folder" / "results.csv"  # missing folders are created
    code, err = run_cli(["results", "export", "--csv", str(csv_path), "--store", str(store.path)], capsys)
    assert code == 0 and csv_path.read_text().startswith("key,state,seed,")


def test_results_export_from_a_missing_store_exits_2_and_writes_nothing(tmp_path, capsys):
    csv_path = tmp_path / "results.csv"
    code, err = run_cli(["results", "export", "--csv", str(csv_path), "--store", str(tmp_path / "none.db")], capsys)
    assert code == 2 and "no store at" in err and not csv_path.exists()
