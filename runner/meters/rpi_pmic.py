"""Raspberry Pi 5 PMIC rails through ``vcgencmd pmic_read_adc`` (research/energy.md §4).

The Pi 5's PMIC (Renesas DA9091) has an ADC that the firmware reads on request. ``vcgencmd
pmic_read_adc`` prints one line per channel, currents and voltages on separate lines::

     VDD_CORE_A current(7)=0.75012000A
     VDD_CORE_V volt(15)=0.89745940V
        EXT5V_V volt(24)=5.06788000V

A rail is a ``<NAME>_A`` line paired with a ``<NAME>_V`` line (the channel numbers differ; only the
name pairs them). Each paired rail is a domain (power V·I, name verbatim without the suffix), and
the cell's energy is their sum. Lines with no partner (``EXT5V_V``, ``BATT_V``) are not power: the
5 V input current is not measured, so the sum is **not a board total**: it excludes USB and
peripheral load, the 5 V input path and the conversion losses (``CAVEAT``, a warning on every cell).

vcgencmd is a subprocess talking to the firmware through ``/dev/vcio``: it is slow. The probe times
a few calls and reports the median as the meter's update period, so windows shorter than ten calls
are flagged. In a container the tool and the device come from the host (``--device /dev/vcio`` and
the host's ``vcgencmd`` mounted read-only; docker/README.md). The tool is found and run by
runner.system.vcgencmd (``EDGEBENCH_VCGENCMD`` names it).
"""

from __future__ import annotations

import os
import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from runner.meters.base import Clock, Meter, Probe, Sample, sysfs_root
from runner.system import vcgencmd
from runner.system.probe import board_model

VCIO = Path("/dev/vcio")
PROBE_CALLS = 3
CAVEAT = (
    "PMIC output rails only: excludes USB and peripheral load, the 5 V input path and conversion losses "
    "(no input current is measured); not a board total: compare only with the same meter"
)
LINE = re.compile(r"^\s*(?P<name>\S+)_(?P<kind>[AV])\s+(?:current|volt)\(\d+\)=(?P<value>[-+0-9.eE]+)[AV]\s*$")


@dataclass(frozen=True)
class Rail:
    name: str  # verbatim, without the _A / _V suffix
    volts: float
    amps: float

    @property
    def watts(self) -> float:
        return self.volts * self.amps


def parse_pmic_adc(text: str) -> Tuple[Dict[str, Rail], List[str]]:
    """Paired rails by name, and the names of the lines that have no partner (e.g. ``EXT5V_V``)."""
    volts: Dict[str, float] = {}
    amps: Dict[str, float] = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            (amps if m["kind"] == "A" else volts)[m["name"]] = float(m["value"])
    rails = {n: Rail(n, volts[n], amps[n]) for n in amps if n in volts}
    unpaired = [f"{n}_A" for n in amps if n not in volts] + [f"{n}_V" for n in volts if n not in amps]
    return rails, unpaired


@dataclass(frozen=True)
class Call:
    text: str  # stdout, or the one-line reason the command failed
    ok: bool
    seconds: float


class RpiPmicMeter(Meter):
    name = "rpi_pmic"
    method = "integrated"
    caveat = CAVEAT

    def __init__(
        self,
        sysfs_root_path: Optional[str] = None,
        clock: Optional[Clock] = None,
        tool: Optional[str] = None,
        proc_root: Path = Path("/"),
        vcio: Path = VCIO,
    ) -> None:
        super().__init__(clock)
        self.root = sysfs_root(sysfs_root_path)
        self.tool = tool or vcgencmd.locate().path
        self.proc_root = proc_root
        self.vcio = vcio
        self.rails: Tuple[str, ...] = ()

    def _call(self) -> Call:
        """One ``vcgencmd pmic_read_adc``, timed; a failure is a Call with the reason, never an exception."""
        assert self.tool is not None
        t0 = self.clock()
        try:
            text, ok = vcgencmd.run(self.tool, ["pmic_read_adc"]), True
        except vcgencmd.VcgencmdError as exc:
            text, ok = str(exc), False
        return Call(text, ok, (self.clock() - t0) / 1e9)

    def probe(self) -> Probe:
        model = board_model(self.proc_root, self.root)
        absent = self._absent(model)
        if absent is not None:
            return absent
        calls = [self._call()]
        failed = self._failure(calls[0])
        if failed is not None:
            return failed
        calls += [self._call() for _ in range(PROBE_CALLS - 1)]
        return self._accept(calls, model)

    def _absent(self, model: Optional[str]) -> Optional[Probe]:
        """A probe saying why there is nothing to run, or None when vcgencmd should be tried."""
        board = f"board {model!r}" if model else "board model unknown"
        if model and "Raspberry Pi" in model and "Raspberry Pi 5" not in model:
            return Probe(self.name, False, "no_counter", f"{model}: only the Raspberry Pi 5 has a PMIC with an ADC")
        if self.tool is None and model and "Raspberry Pi 5" in model:
            return Probe(self.name, False, "not_installed", f"{model} but no vcgencmd (PATH, {vcgencmd.VCGENCMD_ENV}); "
                         "in a container mount the host's vcgencmd and pass --device /dev/vcio")
        if self.tool is None:
            return Probe(self.name, False, "not_found", f"not a Raspberry Pi 5 ({board}) and no vcgencmd")
        return None

    def _failure(self, call: Call) -> Optional[Probe]:
        said = " ".join(call.text.split())[:300]
        if "Permission denied" in call.text:  # the tool itself cannot be executed
            return Probe(self.name, False, "permission_denied", f"cannot run {self.tool}: {said}")
        if not call.ok and "mknod" in call.text:  # vcgencmd could not open the mailbox device
            if not self.vcio.exists():
                return Probe(self.name, False, "not_found", f"{self.vcio} does not exist: {said}")
            return Probe(self.name, False, "permission_denied",
                         f"{self.vcio} is not readable by uid {os.getuid()} (run as root or in group video): {said}")
        if not call.ok or not parse_pmic_adc(call.text)[0]:
            return Probe(self.name, False, "unsupported",
                         f"no rail from {self.tool}: {said} (pmic_read_adc exists on the Raspberry Pi 5 firmware only)")
        return None

    def _accept(self, calls: List[Call], model: Optional[str]) -> Probe:
        rails, unpaired = parse_pmic_adc(calls[-1].text)
        self.rails = self.summed = tuple(rails)
        self.update_period_s = statistics.median(c.seconds for c in calls)
        watts = sum(r.watts for r in rails.values())
        detail = (f"{model or 'Raspberry Pi 5'}: {len(rails)} PMIC rails summed ({watts:.2f} W now); "
                  f"vcgencmd call {1e3 * self.update_period_s:.0f} ms (median of {len(calls)}), the sampling "
                  f"period's floor; not power: {', '.join(unpaired) or 'none'}; {CAVEAT}")
        return Probe(self.name, True, "", detail, self.rails, self.summed)

    def read(self) -> List[Sample]:
        if self.tool is None or not self.rails:
            return []
        t0 = self.clock()
        call = self._call()
        if not call.ok:
            return []
        rails, _ = parse_pmic_adc(call.text)
        t_mid = t0 + round(call.seconds * 1e9 / 2)  # the reading is taken somewhere inside the call
        return [Sample(self.name, r.name, t_mid, power_w=r.watts) for r in rails.values() if r.name in self.rails]
