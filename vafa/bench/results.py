"""The bench file: `{"benchmarks": [{"name", "value", "unit", "database", "scale", "measured_at"}]}`.

Each run replaces the entries it measured (same name and database) and keeps the others, so the
issues' benchmarks accumulate in one file.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

UNITS = {"_ms": "ms", "_per_s": "per_s", "_s": "s"}


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    unit: str
    database: str
    scale: dict[str, Any]
    measured_at: str


def unit_of(name: str) -> str:
    for suffix, unit in UNITS.items():
        if name.endswith(suffix):
            return unit
    raise ValueError(f"A benchmark name must end in its unit (_ms, _per_s, _s): {name}")


def make_result(name: str, value: float, *, database: str, scale: dict[str, Any]) -> Result:
    return Result(
        name=name,
        value=round(float(value), 3),
        unit=unit_of(name),
        database=database,
        scale=scale,
        measured_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


def results_merge(path: Path, new: list[Result]) -> list[dict[str, Any]]:
    """Write `new` into the bench file, replacing earlier figures of the same name and database."""
    existing: list[dict[str, Any]] = []
    if path.exists():
        try:
            existing = json.loads(path.read_text(encoding="utf-8")).get("benchmarks", [])
        except (ValueError, AttributeError):
            existing = []
    replaced = {(r.name, r.database) for r in new}
    merged = [e for e in existing if (e.get("name"), e.get("database")) not in replaced]
    merged.extend(asdict(r) for r in new)
    merged.sort(key=lambda e: (e["name"], e["database"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"benchmarks": merged}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return merged
