"""Ray executor: each trial is a Ray task; the driver (this process) alone writes the store.

With an address it joins that cluster (every node needs ablab installed and its dataset cache, or network to
fetch it); without one it starts a local Ray with `workers` CPUs. Ray reuses worker processes, so a worker loads
a dataset once and keeps it for the trials it runs next.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from ablab.errors import AblabError
from ablab.studies.worker import Outcome, WorkerSetup, execute

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


def _run_on_worker(spec, data_dir: str | None, setup: WorkerSetup) -> Outcome:
    return execute(spec, data_dir, setup)


class RayExecutor:
    """Trials as `ray.remote` tasks of one CPU each; `slots` = workers, or the cluster's CPUs when 0."""

    name = "ray"

    def __init__(self, *, workers: int, address: str | None, data_dir: Path | None, backend: str, hook: str | None):
        ray = _ray()
        self._started_here = not ray.is_initialized()
        threads = 1  # one CPU per task: Ray packs tasks onto cores, so each must not grab them all
        env = {"KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        if not address:  # a local Ray: its workers import what this process can (tests, hooks, a source checkout)
            env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        if self._started_here:
            self._init(ray, address, workers, env)
        cluster_cpus = int(ray.cluster_resources().get("CPU", 1))
        self.slots = workers or cluster_cpus
        self.setup = WorkerSetup(backend=backend, threads=threads, hook=hook)
        self.data_dir = str(data_dir) if data_dir else None
        self._remote = ray.remote(num_cpus=1, max_retries=0)(_run_on_worker)
        self._refs: dict = {}

    @staticmethod
    def _init(ray, address: str | None, workers: int, env: dict) -> None:
        options = dict(runtime_env={"env_vars": env}, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
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
        self._refs[self._remote.remote(spec, self.data_dir, self.setup)] = spec.key

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
