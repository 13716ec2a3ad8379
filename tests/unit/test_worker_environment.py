"""The worker's whitelisted environment: thread variables from the cell's ``threads``, one inter-op thread."""

from __future__ import annotations

import pytest

from runner.catalog import FRAMEWORKS
from runner.worker.spawn import THREAD_VARS, worker_environ

PARENT = {"PATH": "/bin", "HOME": "/root", "MXNET_CPU_WORKER_NTHREADS": "8", "SECRET_TOKEN": "x"}


@pytest.mark.parametrize("threads", [0, 1, 4])
def test_no_engine_worker_count_reaches_a_worker(threads):
    """``threads`` is the intra-op count: it never becomes MXNet's engine worker count (that would run up to
    threads x threads OpenMP threads); the adapter sets one engine worker itself."""
    env = worker_environ(threads, "/repo", parent=PARENT)
    assert "MXNET_CPU_WORKER_NTHREADS" not in env and "SECRET_TOKEN" not in env
    assert "MXNET_CPU_WORKER_NTHREADS" not in THREAD_VARS
    assert all(env.get(k) == str(threads) for k in THREAD_VARS) if threads else not set(THREAD_VARS) & set(env)
    assert env["PYTHONPATH"] == "/repo" and env["PATH"] == "/bin"


def test_no_record_declares_an_inter_op_count_as_a_thread_variable():
    """Thread variables carry the intra-op count; inter-op pools are pinned to one by fixed variables."""
    for record in FRAMEWORKS.values():
        assert not {v for v in record.thread_variables if "INTEROP" in v or "WORKER" in v}, record.name
    assert worker_environ(3, "/repo")["TF_NUM_INTEROP_THREADS"] == "1"
