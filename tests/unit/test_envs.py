"""Framework environment resolution: variable, file, folder; missing ones explain themselves."""

from __future__ import annotations

import sys

import pytest

from runner import envs


@pytest.fixture(autouse=True)
def fresh_probe(monkeypatch):
    for var in ("EDGEBENCH_ENVS_FILE", "EDGEBENCH_ENV_PYTORCH", "EDGEBENCH_ENV_TENSORFLOW"):
        monkeypatch.delenv(var, raising=False)
    envs.probe.cache_clear()
    yield
    envs.probe.cache_clear()


def test_variable_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("EDGEBENCH_ENV_PYTORCH", sys.executable)
    python, where = envs.interpreter("pytorch")
    assert python == sys.executable and where == "$EDGEBENCH_ENV_PYTORCH"
    info = envs.probe("pytorch")
    assert info.available and info.python_version == ".".join(map(str, sys.version_info[:3]))
    assert info.packages["numpy"]


def test_file_then_folder(monkeypatch, tmp_path):
    (tmp_path / "envs.toml").write_text(f'[envs]\ntensorflow = "{sys.executable}"\n')
    monkeypatch.setenv("EDGEBENCH_ENVS_FILE", str(tmp_path / "envs.toml"))
    monkeypatch.setenv("EDGEBENCH_ENVS_DIR", str(tmp_path / "envs"))
    assert envs.interpreter("tensorflow")[0] == sys.executable
    assert envs.interpreter("mxnet")[0] == str(tmp_path / "envs" / "mxnet" / "bin" / "python")


def test_missing_interpreter_is_unavailable_with_a_hint(monkeypatch, tmp_path):
    monkeypatch.setenv("EDGEBENCH_ENVS_DIR", str(tmp_path))
    info = envs.for_framework("mxnet")
    assert not info.available
    assert "no interpreter at" in info.reason and "make setup" in info.reason


def test_an_environment_without_the_framework_package_is_unavailable(monkeypatch):
    monkeypatch.setenv("EDGEBENCH_ENV_TENSORFLOW", sys.executable)  # the main env has no tensorflow
    info = envs.for_framework("tensorflow")
    assert not info.available and "tensorflow is not installed" in info.reason


def test_main_environment_runs_the_null_adapter():
    info = envs.for_framework("null")
    assert info.available and info.python == sys.executable
