"""Thermal and clock state (orchestrator side): how hot and how fast the device was during each cell.

    monitor = Monitor.create(ThermalSettings(...))     # finds the sources below; bad options -> UsageError
    cols, warnings = monitor.cool_down()              # the wait before a cell (cooldown_s)
    session = meters.Session(meters, thermal=monitor.sampler)   # sampled in the meters' thread
    cols, warnings = monitor.cell_columns(session.thermal_samples, marks)
    rows = thermal_rows(session.thermal_samples, run_id, cell_id)  # the ``thermal`` table

Sources (one module each; sysfs under ``EDGEBENCH_SYSFS_ROOT`` like the energy meters): thermal zones
and hwmon temperatures and cpufreq (``sensors``), NVML clock-throttle reasons and the Raspberry Pi
firmware's ``get_throttled`` (``throttle``). Which temperature the cell columns report: ``primary``.
A device with no sensor gets null columns and a ``thermal_reason``, never a guess.
"""

from runner.thermal.base import ThermalSample
from runner.thermal.columns import COLUMNS, DEFAULT_MAX_RISE_C, thermal_columns, thermal_rows
from runner.thermal.monitor import Monitor, ThermalSettings
from runner.thermal.sampler import Discovery, Sampler, discover

__all__ = [
    "COLUMNS",
    "DEFAULT_MAX_RISE_C",
    "Discovery",
    "Monitor",
    "Sampler",
    "ThermalSample",
    "ThermalSettings",
    "discover",
    "thermal_columns",
    "thermal_rows",
]
