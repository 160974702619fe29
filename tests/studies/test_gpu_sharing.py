"""GPU sharing without a GPU: fractions, the local plan, the worker's GPU environment, shipping datasets, and a
local Ray cluster with one fake GPU on which trials at 0.25 of a GPU run four at a time."""

import os
from pathlib import Path

import pytest

from ablab.errors import AblabError
from ablab.store import Store
from ablab.studies.executors import local_gpu_plan, make_executor
from ablab.studies.gpus import check_fraction, default_fraction, memory_fraction, trials_per_gpu
from ablab.studies.runner import run_studies
from ablab.studies.shipping import pack_dataset, unpack_dataset
from ablab.studies.spec import parse_spec
from ablab.studies.worker import gpu_environment
from study_fixtures import HOOK, tiny_spec


def test_default_fraction_follows_the_model_and_is_zero_without_gpus():
    assert default_fraction(["cnn"], cluster_gpus=1) == 0.125  # the H200 sweep's best packing
    assert default_fraction(["mlp", "clock-lm"], cluster_gpus=1) == 0.5  # the biggest model sets the packing
    assert default_fraction(["mlp"], cluster_gpus=2) == 0.125
    assert default_fraction(["clock-lm"], cluster_gpus=1) == 0.5
    assert default_fraction(["cnn"], cluster_gpus=0) == 0.0
    assert [trials_per_gpu(f) for f in (0.25, 0.3, 0.125, 1.0, 0.0)] == [4, 3, 8, 1, 0]


@pytest.mark.parametrize("fraction, gpus, fragment", [
    (0.25, 0, "has no GPU"), (-1, 1, "a fraction in (0, 1]"), (1.5, 2, "a fraction in (0, 1]"), (2, 1, "more than"),
])
def test_bad_gpus_per_trial_names_the_option_and_the_fix(fraction, gpus, fragment):
    with pytest.raises(AblabError, match="--gpus-per-trial") as err:
        check_fraction(fraction, gpus)
    assert fragment in str(err.value)


def test_local_plan_packs_workers_onto_one_gpu_and_keeps_cpu_behaviour():
    assert local_gpu_plan(None, None, gpus=0, models=["cnn"]) == (2, None)  # today's CPU default
    assert local_gpu_plan(3, None, gpus=0, models=["cnn"]) == (3, None)
    assert local_gpu_plan(None, None, gpus=1, models=["cnn"]) == (8, 0.125)
    assert local_gpu_plan(None, 0.25, gpus=1, models=["cnn"]) == (4, 0.25)
    assert local_gpu_plan(2, 0.5, gpus=1, models=["mlp"]) == (2, 0.5)  # --workers wins
    assert local_gpu_plan(None, 0, gpus=1, models=["cnn"]) == (2, 0.0)  # 0: every worker kept off the GPU
    with pytest.raises(AblabError, match="no GPU"):
        local_gpu_plan(None, 0.25, gpus=0, models=["cnn"])


def test_worker_gpu_environment_caps_memory_or_hides_the_gpu():
    assert gpu_environment(None) == {}
    assert gpu_environment(0.0) == {"CUDA_VISIBLE_DEVICES": ""}
    env = gpu_environment(0.25)
    assert env["XLA_PYTHON_CLIENT_MEM_FRACTION"] == str(memory_fraction(0.25)) == "0.225"
    assert env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"


def test_shipped_dataset_is_written_once_per_node(tmp_path):
    source = tmp_path / "driver" / "mnist"
    source.mkdir(parents=True)
    (source / "manifest.json").write_text("{}")
    (source / "train-images-idx3-ubyte").write_bytes(b"\x00\x01" * 100)
    packed = pack_dataset(tmp_path / "driver", "mnist")
    assert pack_dataset(tmp_path / "driver", "fashion-mnist") is None  # not cached here: workers fetch it
    node = tmp_path / "node"
    assert unpack_dataset(packed, node, "mnist") is True
    assert (node / "mnist" / "train-images-idx3-ubyte").read_bytes() == b"\x00\x01" * 100
    assert unpack_dataset({"bad": b""}, node, "mnist") is False  # already there: untouched
    assert sorted(p.name for p in node.iterdir()) == ["mnist"]  # no staging folder left behind


def test_inline_run_records_the_device_in_the_store(tmp_path):
    store = Store(tmp_path / "s.db")
    spec = parse_spec(tiny_spec(seeds=1, rows=1))
    executor = make_executor("local", workers=0, data_dir=None, hook=HOOK, local_gpus=0)
    summary = run_studies([spec], store, executor, profile="quick", hook=HOOK, show_progress=False)
    assert summary.complete == 2
    assert {r.device for r in store.trials()} == {"cpu"}
    assert {r.backend for r in store.trials()} == {"tensorflow"}


def _max_overlap(intervals: list[tuple[float, float]]) -> int:
    """Most intervals open at one instant (an end at the same time as a start does not overlap)."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = most = 0
    for _, step in events:
        running += step
        most = max(most, running)
    return most


@pytest.fixture
def fake_gpu_ray():
    """A local Ray with 8 CPUs and one (fake) GPU; its workers import what the tests can."""
    ray = pytest.importorskip("ray")
    env = {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join(p for p in __import__("sys").path if p)}
    ray.init(num_cpus=8, num_gpus=1, runtime_env={"env_vars": env}, include_dashboard=False, log_to_driver=False,
             logging_level="ERROR")
    yield ray
    ray.shutdown()


def test_ray_packs_trials_at_the_requested_gpu_fraction(fake_gpu_ray):
    from ablab.studies.expand import expand, unique_specs

    executor = make_executor("ray", workers=None, data_dir=None, hook=HOOK, gpus_per_trial=0.25)
    assert (executor.gpu_fraction, executor.slots) == (0.25, 4)  # 8 CPUs, but one GPU at 0.25: four at once
    specs = unique_specs(expand(parse_spec(tiny_spec(seeds=3, rows=1)), "quick"))  # 6 trials
    for spec in specs:
        executor.submit(spec)  # all at once: Ray, not the driver, must hold back the fifth
    outcomes = []
    while len(outcomes) < len(specs):
        outcomes += executor.next_done(timeout_s=120)
    executor.close()
    assert all(o.error is None for o in outcomes), [o.error for o in outcomes]
    overlap = _max_overlap([(o.started_at, o.started_at + o.worker_wall_s) for o in outcomes])
    assert 1 < overlap <= 4
    assert {o.gpu_ids for o in outcomes} == {("0",)}  # every task was given (a quarter of) GPU 0
    assert {o.result.device for o in outcomes} == {"cpu"}  # TensorFlow-CPU sees no real GPU behind the fake one
    print(f"fake GPU, 0.25 per trial: {len(specs)} trials, at most {overlap} at once, {len({o.pid for o in outcomes})} "
          "worker processes")


def test_ray_without_gpus_defaults_to_cpu_refuses_a_fraction_and_ships_data(tmp_path):
    ray = pytest.importorskip("ray")
    from ablab.studies.ray_executor import RayExecutor

    driver_cache = tmp_path / "driver"
    (driver_cache / "mnist").mkdir(parents=True)
    (driver_cache / "mnist" / "manifest.json").write_text('{"files": {}}')
    ray.init(num_cpus=2, num_gpus=0, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        assert make_executor("ray", workers=None, data_dir=None, hook=HOOK).gpu_fraction == 0.0
        with pytest.raises(AblabError, match="has no GPU"):
            make_executor("ray", workers=None, data_dir=None, hook=HOOK, gpus_per_trial=0.25)
        executor = RayExecutor(workers=1, address=None, data_dir=driver_cache, backend="tensorflow", hook=HOOK,
                               ship_data=True)
        spec = parse_spec(tiny_spec(seeds=1, rows=1))
        from ablab.studies.expand import expand, unique_specs

        trial = next(t for t in unique_specs(expand(spec, "quick")) if t.config.dataset == "mnist")
        shipped = executor._shipped_ref(trial)  # put into the object store once, then reused
        assert shipped[0] is executor._shipped_ref(trial)[0]
        assert unpack_dataset(shipped[0], tmp_path / "node", "mnist") is True  # fetched through ray.get
        assert (tmp_path / "node" / "mnist" / "manifest.json").read_text() == '{"files": {}}'
    finally:
        ray.shutdown()


def test_cli_refuses_a_gpu_fraction_without_a_gpu_and_stores_nothing(tmp_path, capsys, monkeypatch):
    import ablab.studies.executors as executors
    from ablab.commands import build_app, run_app

    monkeypatch.setattr(executors, "local_gpu_count", lambda: 0)
    store = tmp_path / "s.db"
    with pytest.raises(SystemExit) as exit_:
        run_app(build_app(), ["study", "run", "table2", "--gpus-per-trial", "0.25", "--store", str(store)])
    assert exit_.value.code == 2
    assert "--gpus-per-trial 0.25" in capsys.readouterr().err and not store.exists()
