"""Grid files and command-line overrides."""

from __future__ import annotations

import pytest

from runner import config
from runner.errors import UsageError


def write(tmp_path, text):
    path = tmp_path / "grid.toml"
    path.write_text(text)
    return path


def test_grid_file_then_overrides(tmp_path):
    path = write(tmp_path, 'models = ["alexnet"]\nbatch_sizes = [1, 8]\n[budget]\nmin_time_s = 0.5\n')
    spec = config.load(None, path, {"batch_sizes": ["2"], "budget": {"max_time_s": 4.0, "min_time_s": None}})
    assert spec.models == ("alexnet",)
    assert spec.batch_sizes == (2,)
    assert spec.budget.min_time_s == 0.5 and spec.budget.max_time_s == 4.0
    assert spec.name == "grid"


def test_preset_is_the_default():
    assert config.load(None, None, {}).name == "quick"


def test_threads_all_means_the_cpus_this_process_may_use():
    from runner.system import cpus

    assert config.load("smoke", None, {"threads": ["all"]}).threads == (cpus.read().count,)


@pytest.mark.parametrize("text, message", [
    ("modles = ['x']", "unknown key 'modles'"),
    ("models = [", "is not valid TOML"),
    ("batch_sizes = ['big']", "wants integers"),
    ("[budget]\nmax_time_s = 1\nmin_time_s = 2", "max_time_s (1) is below min_time_s (2)"),
    ("[budget]\nwarmup = 1", "unknown budget key 'warmup'"),
])
def test_bad_grid_files(tmp_path, text, message):
    with pytest.raises(UsageError) as err:
        config.load(None, write(tmp_path, text), {})
    assert message in str(err.value)


def test_missing_grid_file(tmp_path):
    with pytest.raises(UsageError, match="grid file not found"):
        config.load(None, tmp_path / "nope.toml", {})


def test_unknown_preset():
    with pytest.raises(UsageError) as err:
        config.preset("pcam")
    assert "did you mean 'pcamp'" in err.value.hint


def test_options_split_into_values():
    spec = config.load("smoke", None, {"options": {"fault": "none, hang"}})
    assert spec.options == (("fault", ("none", "hang")),)
