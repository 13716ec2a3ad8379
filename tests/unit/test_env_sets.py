"""Version sets: the catalog's sets and their lock files, environments resolved per set, and env_sets as a
grid dimension (expansion, cell ids, labels, validation, the default from the environment)."""

from __future__ import annotations

import re
import sys

import pytest

from runner import catalog, config, envs, plan
from runner.catalog import install, sets
from runner.config import GridSpec
from runner.errors import GridError
from runner.naming import cell_label
from tests.unit.test_catalog_install import catalog_cli

OLD = "greenai-2023"
#: What the Green AI study's set pins (the study's versions; README "Version sets").
STUDY_PINS = {"torch": "1.12.1", "tensorflow-cpu": "2.9.3", "mxnet": "1.9.1", "onnxruntime": "1.12.1"}


@pytest.fixture(autouse=True)
def _fresh_probe():
    envs.probe.cache_clear()
    yield
    envs.probe.cache_clear()


def test_the_sets_are_current_and_every_folder_with_a_set_cfg():
    assert sets.names()[0] == "current" and OLD in sets.names()
    assert catalog_cli("sets").stdout.splitlines() == [f"{n} {sets.get(n).python or '-'}" for n in sets.names()]
    assert sets.get(OLD).python == "3.9" and "Green AI" in sets.get(OLD).description


def test_every_lock_file_of_a_set_is_a_records_lock_and_pins_every_line():
    names = {lock for r in catalog.environments().values() for lock in r.locks.values()}
    for name in sets.names()[1:]:
        files = [p for p in sets.get(name).folder.iterdir() if p.suffix == ".txt"]
        assert files, name
        for path in files:
            assert path.name in names, f"{path} is not named like a record's lock file"
            lines = [ln for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
            assert lines and all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[^\s=]+", ln) for ln in lines), path


def test_the_study_set_pins_the_studys_versions():
    pins = install.pins("x86_64", long=True, legacy=True, env_set=OLD).split(",")
    assert sorted(pins) == sorted(f"{p}=={v}" for p, v in STUDY_PINS.items())
    assert install.pins("x86_64", legacy=True, env_set=OLD) == "mxnet1.9.1-ort1.12.1-torch1.12.1-tf2.9.3"


def test_a_set_lists_its_environments_in_its_own_folders():
    made = catalog_cli("envs", "--arch", "x86_64", "--set", OLD).stdout.split()
    with_lock = [e for e, r in catalog.environments().items() if sets.get(OLD).lock(r, "x86_64")]
    assert made == [f"{OLD}/{e}" for e in with_lock] and "tflite" not in with_lock and "caffe2" not in with_lock
    assert catalog_cli("envs", "--arch", "x86_64").stdout.split() == \
        install.made_by_setup("x86_64"), "the current set is as before"
    for line in catalog_cli("plan", "--arch", "x86_64", "--set", OLD, "--legacy").stdout.splitlines():
        folder, lock, _ = line.split()
        assert folder.startswith(f"{OLD}/") and (install.LOCKS_DIR / lock).is_file()
    assert catalog_cli("plan", "--arch", "x86_64", "--set", OLD).stdout == "", "a 3.9 set has no plain venvs"


def test_lock_check_and_python_answer_for_a_sets_environment():
    assert catalog_cli("lock", f"{OLD}/pytorch").stdout.strip() == f"envs/sets/{OLD}/pytorch.txt"
    assert catalog_cli("lock", "pytorch", "--set", OLD).stdout.strip() == f"envs/sets/{OLD}/pytorch.txt"
    assert catalog_cli("python", "--set", OLD).stdout.strip() == "3.9"
    assert catalog_cli("python").stdout.strip() == ""
    check = catalog_cli("check", f"{OLD}/pytorch").stdout.strip()
    assert check.startswith("import sys, torch;")
    proc = catalog_cli("lock", "tflite", "--set", OLD)
    assert proc.returncode == 2 and f"no lock file for version set {OLD}" in proc.stderr
    proc = catalog_cli("envs", "--set", "greenai-2032")
    assert proc.returncode == 2 and "known: current" in proc.stderr


def test_a_set_asking_for_a_python_without_a_route_is_refused(tmp_path, monkeypatch):
    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "set.cfg").write_text("[set]\ndescription = x\npython = 3.6  # no route\n")
    monkeypatch.setattr(sets, "SETS_DIR", tmp_path)
    assert "odd" in sets.names()
    with pytest.raises(sets.CatalogError, match="Python 3.6"):
        sets.get("odd")
    with pytest.raises(GridError, match="Python 3.6"):
        plan.validate(GridSpec(frameworks=("null",), env_sets=("odd",)))


def test_environments_resolve_per_set(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEBENCH_ENVS_DIR", str(tmp_path / "envs"))
    monkeypatch.delenv("EDGEBENCH_ENVS_FILE", raising=False)
    for name in ("EDGEBENCH_ENV_PYTORCH", "EDGEBENCH_ENV_PYTORCH__GREENAI_2023", "EDGEBENCH_ENVS_DIR__GREENAI_2023"):
        monkeypatch.delenv(name, raising=False)
    assert envs.interpreter("pytorch", OLD)[0] == str(tmp_path / "envs" / OLD / "pytorch" / "bin" / "python")
    monkeypatch.setenv("EDGEBENCH_ENVS_DIR__GREENAI_2023", str(tmp_path / "old"))
    assert envs.interpreter("pytorch", OLD)[0] == str(tmp_path / "old" / "pytorch" / "bin" / "python")
    monkeypatch.setenv("EDGEBENCH_ENV_PYTORCH", "/the/current/one")
    monkeypatch.setenv("EDGEBENCH_ENV_PYTORCH__GREENAI_2023", sys.executable)
    assert envs.interpreter("pytorch")[0] == "/the/current/one"
    assert envs.interpreter("pytorch", OLD) == (sys.executable, "$EDGEBENCH_ENV_PYTORCH__GREENAI_2023")
    info = envs.probe("pytorch", OLD)
    assert info.available and info.env_set == OLD
    file = tmp_path / "envs.toml"
    file.write_text(f'[envs]\npytorch = "/a"\n[envs.{OLD}]\nmxnet = "/b"\n')
    monkeypatch.setenv("EDGEBENCH_ENVS_FILE", str(file))
    assert envs.interpreter("mxnet", OLD)[0] == "/b" and envs.interpreter("mxnet")[0] != "/b"


def test_a_framework_without_a_lock_file_in_the_set_is_not_in_it(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGEBENCH_ENV_TFLITE__GREENAI_2023", raising=False)
    monkeypatch.delenv("EDGEBENCH_ENV_PYTORCH__GREENAI_2023", raising=False)
    monkeypatch.setenv("EDGEBENCH_ENVS_DIR__GREENAI_2023", str(tmp_path))
    info = envs.for_framework("tflite", OLD)
    assert not info.available and f"tflite is not in version set {OLD}" in info.reason
    assert "pytorch" in info.reason, "it says what the set has"
    monkeypatch.setenv("EDGEBENCH_ENV_TFLITE__GREENAI_2023", "/no/such/python")
    assert "no interpreter at /no/such/python" in envs.for_framework("tflite", OLD).reason
    missing = envs.for_framework("pytorch", OLD)
    assert not missing.available and f"run `make setup ENV_SETS={OLD}`" in missing.reason
    assert "EDGEBENCH_ENV_PYTORCH__GREENAI_2023" in missing.reason


def test_env_sets_expand_fastest_with_the_set_in_cell_ids_and_labels():
    spec = GridSpec(frameworks=("null",), threads=(1, 2), env_sets=("current", OLD), repetitions=2)
    cells = plan.expand(spec)
    assert [(c.threads, c.env_set) for c in cells[:4]] == [(1, "current"), (1, OLD), (2, "current"), (2, OLD)]
    assert len(cells) == 8 and len({c.cell_id for c in cells}) == 8
    assert cells[0].cell_id == "tinycnn-null-b1-cpu-t1-r0" and cells[1].cell_id == f"tinycnn-null-b1-cpu-t1-r0-{OLD}"
    assert cell_label(cells[1]).endswith(f" env {OLD}") and "env" not in cell_label(cells[0])
    assert type(cells[1]).from_dict(cells[1].to_dict()) == cells[1]


def test_unknown_sets_are_grid_errors_with_the_choices():
    with pytest.raises(GridError) as err:
        plan.validate(GridSpec(frameworks=("null",), env_sets=("greenai-2032",)))
    assert "greenai-2032" in str(err.value) and OLD in (err.value.hint or "")


def test_env_sets_come_from_the_grid_the_command_line_or_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("EDGEBENCH_ENV_SETS", raising=False)
    assert config.load(None, None, {}).env_sets == ("current",)
    monkeypatch.setenv("EDGEBENCH_ENV_SETS", OLD)
    assert config.load(None, None, {}).env_sets == (OLD,)
    grid = tmp_path / "g.toml"
    grid.write_text(f'env_sets = ["current", "{OLD}"]\n')
    assert config.load(None, grid, {}).env_sets == ("current", OLD)
    assert config.load(None, grid, {"env_sets": ["current"]}).env_sets == ("current",)
