"""The entry point's backend set-up (ablab.cli.configure_backend): the only place the process environment is set."""

import os
import platform

import pytest

from ablab.cli import configure_backend, keep_freed_memory


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("KERAS_BACKEND", "TF_CPU_ALLOCATOR_USE_BFC"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_tensorflow_gets_its_pooling_cpu_allocator(clean_env):
    assert configure_backend(["clock", "train"]) == "tensorflow"
    assert os.environ["KERAS_BACKEND"] == "tensorflow"
    assert os.environ["TF_CPU_ALLOCATOR_USE_BFC"] == "true"


def test_a_user_s_allocator_choice_and_other_backends_are_left_alone(clean_env):
    clean_env.setenv("TF_CPU_ALLOCATOR_USE_BFC", "false")
    configure_backend(["--backend", "tensorflow"])
    assert os.environ["TF_CPU_ALLOCATOR_USE_BFC"] == "false"
    clean_env.delenv("TF_CPU_ALLOCATOR_USE_BFC")
    assert configure_backend(["--backend=jax"]) == "jax"
    assert "TF_CPU_ALLOCATOR_USE_BFC" not in os.environ


def test_an_unknown_backend_exits_2_naming_the_known_ones(clean_env, capsys):
    with pytest.raises(SystemExit) as exit_info:
        configure_backend(["--backend", "theano"])
    assert exit_info.value.code == 2
    assert "tensorflow, jax, torch" in capsys.readouterr().err


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_keeps_freed_memory_unless_the_user_tunes_malloc():
    assert keep_freed_memory({}) is True
    assert keep_freed_memory({"GLIBC_TUNABLES": "glibc.malloc.mmap_max=65536"}) is False
