"""Where a report ran, in one line: engine, builder and driver, image-loading cost, shard, commit. Pure.

A merged report lists its legs instead, so a reader can tell which runner measured what.
"""

from __future__ import annotations

from collections.abc import Callable

from ci_optimizer.model.origin import Origin
from ci_optimizer.model.results import Report

Quote = Callable[[str], str]


def where_ran(report: Report, quote: Quote = str) -> str:
    """'' when the report does not say (an older report, or a hand-made one)."""
    if report.legs:
        commit = _commit(report.origin, quote)
        legs = "; ".join(_one(leg, quote) for leg in report.legs)
        return f"Merged from {len(report.legs)} report{'s' if len(report.legs) != 1 else ''}{commit}: {legs}"
    if report.origin is None:
        return ""
    text = _one(report.origin, quote)
    return f"Ran on {text}" if text else ""


def _one(origin: Origin, quote: Quote) -> str:
    bits = []
    if origin.shard is not None:
        built = ", ".join(quote(d) for d in origin.shard.dockerfiles) or "nothing"
        bits.append(f"shard {origin.shard} ({built})")
    if origin.engine:
        bits.append(f"engine {quote(origin.engine)}")
    if origin.builder:
        driver = f" ({origin.driver} driver)" if origin.driver else ""
        bits.append(f"builder {quote(origin.builder)}{driver}")
    if origin.load_seconds is not None:
        bits.append(f"{origin.load_seconds:.1f} s loading images into the engine")
    return ", ".join(bits) + (_commit(origin, quote) if origin.shard is None else "")


def _commit(origin: Origin | None, quote: Quote) -> str:
    return f" at {quote(origin.commit[:12])}" if origin is not None and origin.commit else ""
