"""``edgebench env``: framework environments and their execution providers, energy meters, thermal and clock
sources, host facts, with reasons; sizes, durations and frequencies in human units (``--json``: raw SI values)."""

from __future__ import annotations

from typing import Any, Dict

from rich.console import Console
from rich.table import Table

from runner import envs, meters, providers, thermal
from runner.catalog import FRAMEWORKS
from runner.cli.text import safe
from runner.cli.units import human, label
from runner.system import probe


def collect(with_providers: bool = True) -> Dict[str, Any]:
    """Everything ``env`` shows; ``with_providers`` asks each runtime's environment for its providers (imports
    each framework there: seconds each)."""
    found = providers.probe_all(FRAMEWORKS) if with_providers else {}
    frameworks = []
    for name, fw in FRAMEWORKS.items():
        info = envs.for_framework(name)
        usable = found.get(name)
        frameworks.append({
            "framework": name, "env": fw.env, "available": info.available, "python": info.python,
            "python_version": info.python_version,
            "version": envs.framework_version(name, info) if info.available else None, "reason": info.reason,
            "providers_known": list(fw.providers),
            "providers_available": list(usable.available) if usable else None,
            "providers_detail": (usable.detail or usable.reason) if usable else "not asked (--no-providers)",
        })
    _, probes = meters.select("auto")
    describe = getattr(meters, "describe_meters", None)
    meter_rows = describe() if describe else [vars(p) for p in probes]
    found = thermal.discover()
    heat = {"sources": found.describe(), "temperature_sensor": found.choice.sensor,
            "temperature_sensor_detail": found.choice.detail}
    return {"host": probe.host_facts(), "frameworks": frameworks, "meters": meter_rows, "thermal": heat,
            "envs_dir": str(envs.envs_dir())}


def render(facts: Dict[str, Any], console: Console) -> None:
    table = Table(title="framework environments and the execution providers available here")
    for col in ("framework", "env", "version", "python", "providers here", "the runtime reports", "status"):
        table.add_column(col)
    for f in facts["frameworks"]:
        status = "[green]ok[/green]" if f["available"] else f"[yellow]unavailable[/yellow]: {safe(f['reason'])}"
        here = f["providers_available"]
        table.add_row(f["framework"], f["env"], safe(f["version"] or "-"),
                      safe(f"{f['python'] or '-'} ({f['python_version'] or '?'})"),
                      "?" if here is None else safe(", ".join(here) or "none"),
                      safe(f["providers_detail"] or ""), status)
    console.print(table)
    mt = Table(title="energy meters")
    for col in ("meter", "available", "reason", "detail"):
        mt.add_column(col)
    for m in facts["meters"]:
        mt.add_row(safe(m.get("meter")), "yes" if m.get("available") else "no", safe(m.get("reason") or ""),
                   safe(m.get("detail") or ""))
    console.print(mt)
    render_thermal(facts["thermal"], console)
    host = Table(title="host", show_header=False)
    for k, v in facts["host"].items():
        host.add_row(label(k), safe(human(k, v)))
    console.print(host)


def render_thermal(heat: Dict[str, Any], console: Console) -> None:
    table = Table(title=f"thermal and clock sources (cell temperature: {safe(heat['temperature_sensor_detail'])})")
    for col in ("source", "kind", "available", "detail"):
        table.add_column(col)
    for src in heat["sources"]:
        table.add_row(safe(src["source"]), safe(src["kind"]), "yes" if src["available"] else "no", safe(src["detail"]))
    console.print(table)
