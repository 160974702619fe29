"""Ray executor: each trial is a Ray task; the driver (this process) alone writes the store.

With an address it joins that cluster (every node needs ablab installed); without one it starts a local Ray with
`workers` CPUs and the machine's GPUs. Ray reuses worker processes, so a worker loads a dataset once and keeps
it for the trials it runs next.

GPUs are Ray resources: each task asks for one CPU and `gpus_per_trial` of a GPU (default: the models' fraction,
ablab.studies.gpus, or 0 on a cluster without GPUs), so four CNN trials at 0.25 share one GPU.

Data: on a cluster the driver puts each dataset's cache folder (the checksummed IDX files, ~55 MB) into Ray's
object store once (ablab.studies.shipping); a node that lacks the files fetches them from there, once per node,
instead of downloading them. A cache on a shared file system (`--cache-dir /shared/ablab`) works as well.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from ablab.errors import AblabError
from ablab.studies.gpus import check_fraction, default_fraction
from ablab.studies.worker import Outcome, WorkerSetup, compile_cache_dir, execute

# Ray's retries of a task whose worker process died. One: a lost node or a one-off kill costs the trial once more;
# a trial that kills its worker every time (out of memory) is failed after two tries, not retried for ever.
RETRIES_IF_WORKER_DIES = 1

RAY_MISSING = "the ray executor needs Ray: pip install 'ablab[ray]' (or use --executor local)"


def _ray():
    try:
        import ray
    except ImportError:
        raise AblabError(RAY_MISSING) from None
    return ray


def head_endpoint(address: str) -> tuple[str, int] | None:
    """(host, port) that an explicit address names (`ray://host:10001` or the head's `host:6379`); None for
    `auto`/`local` and forms that name no port, which Ray resolves itself."""
    rest = address.split("://", 1)[-1].rstrip("/")
    host, sep, port = rest.rpartition(":")
    if not sep or not host or not port.isdigit():
        return None
    return host.strip("[]"), int(port)


def check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Fail in seconds, not minutes, when nothing listens at the address (Ray itself retries for minutes)."""
    endpoint = head_endpoint(address)
    if endpoint is None:
        return
    try:
        socket.create_connection(endpoint, timeout=timeout_s).close()
    except OSError as err:
        raise AblabError(
            f"--ray-address {address}: nothing answers at {endpoint[0]}:{endpoint[1]} ({err.strerror or err}); "
            "start the cluster's head there (`ray start --head`), fix the address, or drop --ray-address to run on "
            "a local Ray"
        ) from None


def _run_on_worker(spec, data_dir: str | None, setup: WorkerSetup, shipped: list | None = None) -> Outcome:
    """The Ray task. `shipped` wraps the dataset's object-store ref in a list so that Ray does not fetch it
    unless this node lacks the files."""
    if shipped and data_dir:
        from ablab.studies.shipping import unpack_dataset

        unpack_dataset(shipped[0], Path(data_dir), spec.config.dataset)
    return execute(spec, data_dir, setup)


def gpu_slots(cluster_cpus: int, cluster_gpus: float, fraction: float) -> int:
    """How many trials can run at once: one per CPU, and at most floor(GPUs / fraction)."""
    if fraction <= 0:
        return cluster_cpus
    return max(1, min(cluster_cpus, int(cluster_gpus / fraction + 1e-9)))


class RayExecutor:
    """Trials as `ray.remote` tasks of one CPU and `gpu_fraction` of a GPU each; `slots` = workers, or as many as
    the cluster fits at once when 0."""

    name = "ray"

    def __init__(self, *, workers: int, address: str | None, data_dir: Path | None, backend: str, hook: str | None,
                 gpus_per_trial: float | None = None, models: list[str] | None = None, ship_data: bool | None = None):
        ray = _ray()
        self._started_here = not ray.is_initialized()
        threads = 1  # one CPU per task: Ray packs tasks onto cores, so each must not grab them all
        env = {"KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        if not address:  # a local Ray: its workers import what this process can (tests, hooks, a source checkout)
            env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        if self._started_here:
            self._init(ray, address, workers, env)
        resources = ray.cluster_resources()
        cluster_gpus = float(resources.get("GPU", 0))
        self.gpu_fraction = self._fraction(gpus_per_trial, cluster_gpus, models or [])
        self.slots = workers or gpu_slots(int(resources.get("CPU", 1)), cluster_gpus, self.gpu_fraction)
        gpu_setting = self.gpu_fraction if cluster_gpus > 0 else None  # nothing to share or hide without GPUs
        self.setup = WorkerSetup(backend=backend, threads=threads, hook=hook, gpu_fraction=gpu_setting,
                                 compile_cache=compile_cache_dir(data_dir))
        self.data_dir = str(data_dir) if data_dir else None
        # Ray starts a fresh process for every GPU task by default (max_calls=1); with one GPU nothing can be mixed
        # up, so workers are reused (keras imported and datasets loaded once). Several GPUs: keep Ray's default, so
        # a process never keeps computing on the GPU of its previous task.
        reuse = self.gpu_fraction == 0 or cluster_gpus <= 1
        # A worker that dies mid-trial (killed, out of memory, its node lost) gets its trial run once more
        # (RETRIES_IF_WORKER_DIES); then it is stored failed. A trial's own exception is an Outcome, never retried.
        self._remote = ray.remote(num_cpus=1, num_gpus=self.gpu_fraction, max_retries=RETRIES_IF_WORKER_DIES,
                                  max_calls=0 if reuse else 1)(_run_on_worker)
        self._ship = bool(address) if ship_data is None else ship_data
        self._shipped: dict[str, object] = {}  # dataset -> object-store ref of its packed cache folder
        self._refs: dict = {}

    @staticmethod
    def _fraction(gpus_per_trial: float | None, cluster_gpus: float, models: list[str]) -> float:
        if gpus_per_trial is None:
            return default_fraction(models or ["cnn"], cluster_gpus)
        return check_fraction(gpus_per_trial, cluster_gpus)

    @staticmethod
    def _init(ray, address: str | None, workers: int, env: dict) -> None:
        options = dict(runtime_env={"env_vars": env}, include_dashboard=False, log_to_driver=False,
                       logging_level="ERROR")
        try:
            if address:
                check_reachable(address)
                ray.init(address=address, **options)
            else:
                ray.init(num_cpus=max(1, workers or os.cpu_count() or 1), **options)
        except (ConnectionError, RuntimeError, ValueError) as err:
            where = f"--ray-address {address}: cannot join the Ray cluster" if address else "cannot start a local Ray"
            raise AblabError(f"{where} ({type(err).__name__}: {err})") from None

    def submit(self, spec) -> None:
        self._refs[self._remote.remote(spec, self.data_dir, self.setup, self._shipped_ref(spec))] = spec.key

    def _shipped_ref(self, spec) -> list | None:
        """[ref] of the trial's dataset in the object store (put there on first use), or None when not shipping."""
        dataset = getattr(spec.config, "dataset", None)
        if not (self._ship and self.data_dir and dataset):
            return None
        if dataset not in self._shipped:
            from ablab.studies.shipping import pack_dataset

            packed = pack_dataset(Path(self.data_dir), dataset)
            self._shipped[dataset] = None if packed is None else _ray().put(packed)
        ref = self._shipped[dataset]
        return None if ref is None else [ref]

    def next_done(self, timeout_s: float) -> list[Outcome]:
        ray = _ray()
        if not self._refs:
            return []
        ready, _ = ray.wait(list(self._refs), num_returns=1, timeout=timeout_s)
        outcomes = []
        for ref in ready:
            key = self._refs.pop(ref)
            try:
                outcomes.append(ray.get(ref))
            except Exception as err:  # noqa: BLE001 - a crashed worker or a lost node: the trial failed
                outcomes.append(Outcome(key, None, f"{type(err).__name__}: {err}", 0.0, -1))
        return outcomes

    def close(self) -> None:
        ray = _ray()
        for ref in self._refs:
            ray.cancel(ref, force=True)
        self._refs.clear()
        if self._started_here and ray.is_initialized():
            ray.shutdown()
