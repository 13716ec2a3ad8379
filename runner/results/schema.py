"""Every stored field, described once: type, unit and meaning; with a schema version (DESIGN §5, §7).

Three tables, each a folder of Parquet parts under ``results/<run_id>/``:

* ``cells/``     one row per cell (identity, phases, statistics, memory, energy, correctness, outcome)
* ``latencies/`` one row per steady-state iteration (the raw data behind the statistics)
* ``power/``     one row per meter sample (the raw data behind the energy columns)
* ``thermal/``   one row per temperature, CPU frequency or throttle-flag sample (behind the thermal columns;
                 its own table: other units, another sampling rate, and energy readers never filter it out)

Units are SI and part of every name (``_s``, ``_bytes``, ``_j``, ``_w``); each field's metadata
carries ``unit`` and ``description`` so a reader of the Parquet file needs nothing else.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

try:  # absent on armv7: there results are spooled as JSON Lines (runner.results.spool)
    import pyarrow as pa
except ImportError:  # pragma: no cover - only where pyarrow has no build
    pa = None

SCHEMA_VERSION = "1"
WARNING_SEP = " | "  # joins a cell's trust warnings in the ``warnings`` column

_T = {} if pa is None else {"str": pa.string(), "i64": pa.int64(), "f64": pa.float64(), "bool": pa.bool_(),
                             "ts": pa.timestamp("us", tz="UTC")}

# (name, type, unit, description)
CELL_FIELDS: List[Tuple[str, str, str, str]] = [
    # identity
    ("schema_version", "str", "", "version of this schema"),
    ("run_id", "str", "", "the run this cell belongs to"),
    ("cell_id", "str", "", "readable unique id of the cell within the run"),
    ("device", "str", "", "device name (EDGEBENCH_DEVICE or --device, else machine-hostname)"),
    ("device_class", "str", "", "x86 | jetson | rpi | arm64 | other"),
    ("framework", "str", "", "framework name (edgebench list frameworks)"),
    ("framework_version", "str", "", "version of the framework's package in its environment"),
    ("env_set", "str", "", "version set whose environments ran the cell: current (today's pins) or a folder of "
     "envs/sets/ (e.g. greenai-2023, the Green AI study's versions)"),
    ("source", "str", "", "framework the artifact was built from (a runtime fed by several: the exporter)"),
    ("precision", "str", "", "numeric precision asked for: fp32 | fp16 | int8 (the method: quantization)"),
    ("model", "str", "", "model name (a model file: its name in the data, the file's stem, with its sha256's "
     "first 8 hex digits where that alone would be ambiguous)"),
    # -- a model file (--model-file): what it was; null for a built-in model --
    ("model_sha256", "str", "", "sha256 of the model file (a folder, or a file with companions: of the lines "
     "'<sha256>  <path>' of its files, sorted)"),
    ("model_format", "str", "", "the model file's format (edgebench list formats)"),
    ("batch_size", "i64", "items", "items per inference call"),
    ("provider", "str", "", "execution provider asked for (edgebench list providers)"),
    ("providers_active", "str", "", "providers the runtime reports active, comma separated"),
    ("threads", "i64", "threads", "intra-op threads asked for (0 = framework default; 'all' = the CPUs the run "
     "may use: affinity and cgroup quota)"),
    ("threads_intra", "i64", "threads", "intra-op threads the framework reports it runs with (null: it cannot "
     "say; info_json threads.reason says why)"),
    ("threads_inter", "i64", "threads", "inter-op threads (or engine workers) the framework reports (null: it has "
     "no such pool or cannot say; info_json threads.reason)"),
    ("repetition", "i64", "", "repetition index, 0-based"),
    ("options", "str", "", "adapter options as key=value, comma separated"),
    ("env_python", "str", "", "interpreter that ran the worker"),
    ("started_at", "ts", "", "wall-clock start of the cell"),
    # phases
    ("startup_s", "f64", "s", "spawn until the worker's first line runs"),
    ("import_s", "f64", "s", "importing the framework"),
    ("load_s", "f64", "s", "artifact on disk to ready session (graph build, compile included)"),
    ("first_inference_s", "f64", "s", "the first inference call, cold (sync included)"),
    ("warmup_s", "f64", "s", "duration of the warm-up phase"),
    ("warmup_iterations", "i64", "", "warm-up iterations run"),
    ("steady_s", "f64", "s", "duration of the steady phase"),
    ("total_s", "f64", "s", "spawn until the worker exited"),
    # steady statistics
    ("iterations", "i64", "", "steady-state iterations measured"),
    ("latency_mean_s", "f64", "s", "mean steady-state latency per call"),
    ("latency_std_s", "f64", "s", "sample standard deviation of the latency"),
    ("latency_min_s", "f64", "s", "minimum latency"),
    ("latency_p50_s", "f64", "s", "median latency"),
    ("latency_p90_s", "f64", "s", "90th percentile latency (null below 100 iterations)"),
    ("latency_p99_s", "f64", "s", "99th percentile latency (null below 1000 iterations)"),
    ("latency_max_s", "f64", "s", "maximum latency"),
    ("latency_p50_ci95_low_s", "f64", "s", "95% CI of the median within this process (robust to autocorrelation), "
     "lower bound"),
    ("latency_p50_ci95_high_s", "f64", "s", "95% CI of the median within this process, upper bound"),
    ("latency_cv", "f64", "ratio", "coefficient of variation (std / mean)"),
    ("converged", "bool", "", "the CI of the median was within the target at two consecutive checks, without drift"),
    ("throughput_items_per_s", "f64", "items/s", "batch_size / latency_mean_s"),
    ("cpu_utilization", "f64", "cores", "CPU time / wall time of the worker during the steady phase"),
    # stopping-rule diagnostics: dependence and drift of the steady-state latencies (runner.measure), and the
    # host's load (compare warns when two runs' cells ran under clearly different load)
    ("steady_stop", "str", "", "why the steady phase ended: converged | max_time | drift | min_iterations"),
    ("latency_lag1_autocorr", "f64", "ratio", "lag-1 autocorrelation of the steady-state latencies"),
    ("latency_drift_rel", "f64", "ratio", "(median of the second half - median of the first half) / median"),
    ("host_load_1m", "f64", "", "1-minute load average of the host when the cell's worker ended"),
    # memory (and the artifact's size on disk)
    ("artifact_bytes", "i64", "bytes", "size on disk of the artifact the cell loads (its model files)"),
    ("rss_after_import_bytes", "i64", "bytes", "resident set size after the import phase"),
    ("rss_after_load_bytes", "i64", "bytes", "resident set size after the load phase"),
    ("uss_after_load_bytes", "i64", "bytes", "unique set size after the load phase (Linux)"),
    ("rss_after_steady_bytes", "i64", "bytes", "resident set size after the steady phase"),
    ("rss_peak_bytes", "i64", "bytes", "peak RSS of the worker (its VmHWM; wait4 ru_maxrss when the worker died)"),
    ("gpu_mem_peak_bytes", "i64", "bytes", "peak GPU memory reported by the framework or NVML"),
    # energy
    ("energy_source", "str", "", "meter(s) used (rapl, nvml, ina3221, powersupply) or none"),
    ("energy_method", "str", "", "counter | integrated | estimate | none"),
    ("energy_reason", "str", "", "why there is no energy reading, when there is none"),
    ("energy_import_j", "f64", "J", "energy during the import phase"),
    ("energy_load_j", "f64", "J", "energy during the load phase"),
    ("energy_first_j", "f64", "J", "energy during the first inference"),
    ("energy_steady_j", "f64", "J", "energy during the steady phase"),
    ("energy_per_inference_j", "f64", "J", "steady energy / steady iterations: per call, i.e. per batch (gross)"),
    ("energy_per_inference_net_j", "f64", "J", "energy per call (batch) with the idle power subtracted"),
    ("power_avg_w", "f64", "W", "mean power during the steady phase"),
    ("power_idle_w", "f64", "W", "idle power subtracted for the net energy: the cell's active idle (model loaded, "
     "no calls) when measured, else the idle before the cell or before the grid (see power_idle_source)"),
    # -- idle baselines and energy windows (runner.meters.columns), thermal and clock state (runner.thermal) --
    ("power_idle_std_w", "f64", "W", "standard deviation of the idle power over consecutive windows of one meter "
     "period (the longer of the sampling period and the sensor's update period)"),
    ("power_idle_source", "str", "", "which idle baseline power_idle_w is: active_idle | before_cell | pre_grid"),
    ("power_idle_window_s", "f64", "s", "duration of the window power_idle_w was measured over"),
    ("energy_window_min_s", "f64", "s", "shortest steady window the meters need: 10 x the longer of the sampling "
     "period and the slowest meter's update period; the steady phase is lengthened to it within max_time_s"),
    ("energy_window_ok", "bool", "", "the steady window reached energy_window_min_s; false: the energy is flagged "
     "and left out of verdicts; null: no energy measured"),
    ("temperature_start_c", "f64", "°C", "temperature_sensor before the worker was spawned"),
    ("temperature_max_c", "f64", "°C", "highest temperature_sensor reading while the cell ran"),
    ("temperature_sensor", "str", "", "the sensor both temperatures are from, e.g. thermal_zone0:x86_pkg_temp, "
     "hwmon2:coretemp:Package id 0 (one per run; every sensor is in the thermal table)"),
    ("cpu_freq_mean_hz", "f64", "Hz", "mean current frequency (cpufreq) over every CPU during the steady phase"),
    ("throttled", "bool", "", "throttle flags (NVML clock event reasons, Raspberry Pi get_throttled) were set "
     "during the cell; null when the device has no throttle flags"),
    ("throttle_flags", "str", "", "the flags seen, per GPU or firmware, with the share of samples they were set in"),
    ("thermal_reason", "str", "", "why a thermal or clock column is null (no sensor, unreadable, no sample)"),
    ("cooldown_s", "f64", "s", "time waited before the cell (--cooldown-s, --cooldown-to-c)"),
    # Jetson power mode (runner.system.jetson; the same for every row of a run, null when not a Jetson)
    ("nvpmodel_id", "i64", "", "Jetson nvpmodel power mode id"),
    ("nvpmodel_name", "str", "", "Jetson nvpmodel power mode name (MAXN, 15W, ...)"),
    ("jetson_clocks", "bool", "", "clocks pinned at their maximum (jetson_clocks): each minimum equals its maximum"),
    ("cpu_min_freq_hz", "i64", "Hz", "lowest scaling_min_freq of the online CPUs (Jetson)"),
    ("cpu_max_freq_hz", "i64", "Hz", "highest scaling_max_freq of the online CPUs (Jetson)"),
    ("gpu_min_freq_hz", "i64", "Hz", "GPU devfreq min_freq (Jetson)"),
    ("gpu_max_freq_hz", "i64", "Hz", "GPU devfreq max_freq (Jetson)"),
    ("emc_max_freq_hz", "i64", "Hz", "memory controller (EMC) limit: nvpmodel's cap or the BPMP max_rate (Jetson)"),
    # correctness
    ("output_max_abs_diff", "f64", "", "max |output - reference| on the seeded input"),
    ("output_checksum", "f64", "", "sum of the output (detects silent changes between runs)"),
    ("reference_framework", "str", "", "framework whose output is the reference: the reference framework's eager "
     "output for a built-in model, the format's own runtime's for a model file"),
    ("reference_version", "str", "", "version of the reference framework that made the reference output (the "
     "cell's own version set's, else the current set's)"),
    # -- precision: how the artifact was made, and what it costs in output quality (runner.measure.quality) --
    ("quantization", "str", "", "method that made the cell's precision: none (fp32), static-qdq, dynamic, "
     "full-integer, static-fx, fp16, fp16-weights, ... (edgebench list precisions); null when it has none"),
    ("calibration_samples", "i64", "items", "seeded calibration inputs the quantization saw; null: not calibrated"),
    ("quality_samples", "i64", "items", "seeded inputs output_sqnr_db and output_top1_agreement are computed over "
     "(the first items of the measured inputs' stream, the same for every batch size)"),
    ("output_sqnr_db", "f64", "dB", "10·log10(Σ ref² / Σ (ref − out)²) against the reference framework's eager "
     "fp32 output on the quality inputs; +inf: identical; at fp32 it is the conversion's own error"),
    ("output_top1_agreement", "f64", "ratio", "share of quality inputs whose arg-max over the last output axis "
     "matches the reference's (bert_base: the largest pooled feature, a strict proxy)"),
    # outcome
    ("status", "str", "", "ok | failed | timeout | oom | crashed | unsupported | unavailable"),
    ("error_class", "str", "", "exception class, signal name or ProtocolError"),
    ("error_message", "str", "", "one line saying what went wrong"),
    ("log_path", "str", "", "the worker's stdout/stderr, relative to the run directory"),
    ("warnings", "str", "", "trust warnings for this cell, ' | ' separated"),
    ("info_json", "str", "", "adapter facts as JSON: timed_call (what one timed call includes: inputs and "
     "output host or device, sync, copies; where they were seen), threads, delegate, interpreter, env vars"),
    ("runner_version", "str", "", "edgebench version"),
    # budget: the stopping rule the cell ran under (runner.cell.Budget), so rows of a run resumed with
    # --allow-mixed, or of several runs read together, say how each was measured
    ("budget_warmup_iterations", "i64", "", "minimum warm-up iterations"),
    ("budget_warmup_s", "f64", "s", "minimum warm-up time"),
    ("budget_min_iterations", "i64", "", "minimum steady-state iterations"),
    ("budget_min_time_s", "f64", "s", "minimum steady-state time"),
    ("budget_max_time_s", "f64", "s", "steady-state time budget"),
    ("budget_target_rel_ci", "f64", "ratio", "target half-width of the p50's 95% CI, relative"),
    ("budget_timeout_s", "f64", "s", "the cell's process group is killed after this long"),
    ("budget_memory_limit_bytes", "i64", "bytes", "address-space limit asked for (--memory-limit), else null"),
    ("budget_calibration_samples", "i64", "items", "seeded calibration inputs a calibrated quantization is asked to "
     "see (--calibration-samples; what it saw: calibration_samples)"),
    ("budget_quality_samples", "i64", "items", "seeded inputs the output quality is asked to be computed over "
     "(--quality-samples; 0: not computed)"),
]

LATENCY_FIELDS = [
    ("run_id", "str", "", "run id"),
    ("cell_id", "str", "", "cell id"),
    ("iteration", "i64", "", "steady-state iteration index, 0-based"),
    ("latency_s", "f64", "s", "duration of one inference call"),
]

POWER_FIELDS = [
    ("run_id", "str", "", "run id"),
    ("cell_id", "str", "", "cell id, or 'idle' for the idle baseline"),
    ("meter", "str", "", "meter backend (rapl, nvml, ina3221, powersupply)"),
    ("domain", "str", "", "zone, GPU or rail name, verbatim"),
    ("t_ns", "i64", "ns", "time.monotonic_ns() of the sample"),
    ("energy_j", "f64", "J", "cumulative energy since the meter started (counters), else null"),
    ("power_w", "f64", "W", "instantaneous power (power-only sources), else null"),
]

# one row per thermal or clock sample (runner.thermal); exactly one of the three values is set
THERMAL_FIELDS = [
    ("run_id", "str", "", "run id"),
    ("cell_id", "str", "", "cell id"),
    ("source", "str", "", "thermal_zone | hwmon | cpufreq | nvml | vcgencmd"),
    ("sensor", "str", "", "zone:type, hwmon:chip:label, cpuN, gpuN or get_throttled"),
    ("t_ns", "i64", "ns", "time.monotonic_ns() of the sample"),
    ("temperature_c", "f64", "°C", "temperature, else null"),
    ("frequency_hz", "f64", "Hz", "current CPU frequency, else null"),
    ("throttle_flags", "i64", "", "raw throttle bit mask (NVML clock event reasons, get_throttled), else null"),
]


def _schema(fields, table: str) -> pa.Schema:
    if pa is None:
        return None
    return pa.schema(
        [pa.field(n, _T[t], nullable=True, metadata={"unit": u, "description": d}) for n, t, u, d in fields],
        metadata={"edgebench_schema_version": SCHEMA_VERSION, "table": table},
    )


CELLS = _schema(CELL_FIELDS, "cells")
LATENCIES = _schema(LATENCY_FIELDS, "latencies")
POWER = _schema(POWER_FIELDS, "power")
THERMAL = _schema(THERMAL_FIELDS, "thermal")
TABLES: Dict[str, pa.Schema] = {"cells": CELLS, "latencies": LATENCIES, "power": POWER, "thermal": THERMAL}
CELL_COLUMNS = [f[0] for f in CELL_FIELDS]
POWER_MODE_COLUMNS = tuple(CELL_COLUMNS[CELL_COLUMNS.index("nvpmodel_id"):CELL_COLUMNS.index("emc_max_freq_hz") + 1])


def describe() -> List[Dict[str, str]]:
    """The cells table as documentation rows (used by README generation and `edgebench list columns`)."""
    return [{"name": n, "type": t, "unit": u, "description": d} for n, t, u, d in CELL_FIELDS]
