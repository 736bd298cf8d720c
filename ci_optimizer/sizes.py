"""Byte sizes and percentages as users write and read them. Pure."""

from __future__ import annotations

import re

# Decimal units, as `docker images` prints them, and binary units for those who think in MiB.
_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def parse_size(text: str | int) -> int:
    """'100MB' -> 100_000_000, '1.5GiB' -> 1610612736, 512 -> 512. Raises ValueError."""
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a size")
    if isinstance(text, int):
        if text < 0:
            raise ValueError(f"{text!r} is not a size (negative)")
        return text
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a size")
    number, unit = match.groups()
    factor = _UNITS.get((unit or "b").lower())
    if factor is None:
        raise ValueError(f"{text!r} is not a size (units: B, kB, MB, GB, KiB, MiB, GiB)")
    return round(float(number) * factor)


def parse_percent(text: str | int | float) -> float:
    """'10%' -> 10.0. Raises ValueError."""
    match = _PERCENT.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a percentage")
    return float(match.group(1))


def format_size(size: int | None) -> str:
    """Three significant digits in decimal units: 85231234 -> '85.2 MB'."""
    if size is None:
        return "—"
    sign = "-" if size < 0 else ""
    value = float(abs(size))
    units = ("B", "kB", "MB", "GB", "TB")
    for unit in units:
        if round(value, 3 - len(str(int(value)))) < 999.5 or unit == units[-1]:
            break
        value /= 1000
    if unit == "B":
        return f"{sign}{int(value)} B"
    return f"{sign}{value:.3g} {unit}"


def format_delta(delta: int | None) -> str:
    if delta is None:
        return "—"
    if delta == 0:
        return "±0 B"
    return ("+" if delta > 0 else "") + format_size(delta)


def format_percent(percent: float | None, *, signed: bool = False) -> str:
    if percent is None:
        return "—"
    text = f"{percent:+.1f} %" if signed else f"{percent:.1f} %"
    return text.replace("-", "−")


def percent_change(old: int, new: int) -> float | None:
    return None if old == 0 else 100.0 * (new - old) / old
