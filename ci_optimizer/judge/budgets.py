"""Size budgets: each configured rule, judged against each target it applies to. Pure.

A breach is a result (`BudgetResult`), not an exception. Which entry of `budgets:` applies to a
target is decided rule by rule, most specific first: `path/Dockerfile:stage`, then the stage name,
then "*"; the entry that supplies a rule also supplies its severity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Literal, Protocol

from ci_optimizer.model.results import BudgetResult, Report, TargetResult
from ci_optimizer.model.sections import reductions, stage_name
from ci_optimizer.sizes import format_delta, format_percent, format_size

Severity = Literal["error", "warning"]


@dataclass(frozen=True, kw_only=True)
class Budget:
    """The rules of one `budgets:` entry; None means the entry does not set that rule."""

    target: str  # a stage name, `path/Dockerfile:stage`, or "*"
    severity: Severity = "error"
    max_size: int | None = None
    max_compressed_size: int | None = None
    max_growth_bytes: int | None = None
    max_growth_percent: float | None = None
    max_layers: int | None = None
    min_reduction: float | None = None
    max_wasted_bytes: int | None = None
    max_wasted_percent: float | None = None
    min_efficiency: float | None = None


class Budgets(Protocol):
    """What judging needs of the config (config.Config is one): its rules and the file they came from."""

    @property
    def budgets(self) -> tuple[Budget, ...]: ...

    @property
    def source(self) -> str | None: ...


RULES = tuple(f.name for f in fields(Budget) if f.name not in ("target", "severity"))


@dataclass(frozen=True, kw_only=True)
class _Rule:
    name: str
    value: int | float
    severity: Severity
    key: str  # the `budgets:` entry it came from, for messages


def evaluate_budgets(report: Report, config: Budgets) -> tuple[BudgetResult, ...]:
    return _evaluate(report, config)[0]


def budget_warnings(report: Report, config: Budgets) -> tuple[str, ...]:
    """Budgets naming targets that do not exist, and rules that could not be judged."""
    return _evaluate(report, config)[1]


def apply_budgets(report: Report, config: Budgets, *, elsewhere: frozenset[str] = frozenset()) -> Report:
    """The report with its `budgets` judged and the warnings about them added.

    `elsewhere`: names of targets another matrix leg builds (`--shard`); a budget naming one of
    them names no unknown target.
    """
    results, warnings = _evaluate(report, config, elsewhere)
    return replace(report, budgets=(*report.budgets, *results),
                   warnings=tuple(dict.fromkeys((*report.warnings, *warnings))))


def _evaluate(report: Report, config: Budgets,
              elsewhere: frozenset[str] = frozenset()) -> tuple[tuple[BudgetResult, ...], tuple[str, ...]]:
    warnings = [_unknown(b.target, report, config) for b in config.budgets
                if not _matches_any(b.target, report) and b.target not in elsewhere]
    results: list[BudgetResult] = []
    compared = report.baseline is not None or any(t.base_status is not None for t in report.targets)
    unjudged: dict[str, list[str]] = {}
    for target in report.targets:
        if target.status != "built":
            continue  # a failed build already fails the run; its size means nothing
        for rule in _rules_for(target, config.budgets):
            # A result, or why the rule cannot be judged for this target (None: it does not apply).
            judged = _JUDGES[rule.name](rule, target, report)
            if isinstance(judged, BudgetResult):
                results.append(judged)
            elif judged:
                unjudged.setdefault(f"budgets.{rule.key}.{_family(rule.name)}: {judged}", []).append(target.name)
    warnings.extend(f"{why}; not judged for {', '.join(names)}" for why, names in unjudged.items())
    if not compared:
        asked = sorted({b.target for b in config.budgets if b.max_growth_bytes is not None
                        or b.max_growth_percent is not None})
        if asked:
            warnings.append(
                f"budgets.{asked[0]}.max_growth: no base to compare with (use --base-ref or --baseline); not judged"
            )
    return tuple(results), tuple(warnings)


def budgeted_targets(report: Report, budgets: tuple[Budget, ...]) -> tuple[str, ...]:
    """The targets whose growth the report explains because a budget holds them: those an entry
    names (`path/Dockerfile:stage` or the stage), and production when there is a `"*"` entry.

    `"*"` does not name every target: each analysed target costs a stream of its image out of the
    engine, and a `"*"` rule is the whole image's default, not a choice of targets to explain
    (docs/why-it-grew.md).
    """
    keys = {b.target for b in budgets}
    return tuple(t.name for t in report.targets
                 if any(key in keys for key in _keys(t)[:-1]) or ("*" in keys and t.role == "production"))


def _keys(target: TargetResult) -> tuple[str, str, str]:
    """The `budgets:` keys that can apply to a target, most specific first."""
    return target.name, stage_name(target), "*"


def _rules_for(target: TargetResult, budgets: tuple[Budget, ...]) -> tuple[_Rule, ...]:
    chosen: dict[str, _Rule] = {}
    for key in _keys(target):
        for budget in (b for b in budgets if b.target == key):
            for name in RULES:
                value = getattr(budget, name)
                if value is not None and _family(name) not in {_family(n) for n in chosen}:
                    chosen[name] = _Rule(name=name, value=value, severity=budget.severity, key=key)
    return tuple(chosen[name] for name in RULES if name in chosen)


def _family(rule: str) -> str:
    """`max_growth` is one rule in the config, stored as bytes or percent: a specific entry's
    `max_growth: 5MB` replaces a `"*"` entry's `max_growth: 10%`."""
    return "max_growth" if rule.startswith("max_growth") else rule


def _result(rule: _Rule, target: TargetResult, *, limit: str, actual: str, passed: bool, message: str) -> BudgetResult:
    return BudgetResult(target=target.name, rule=_family(rule.name), limit=limit, actual=actual, passed=passed,
                        severity=rule.severity, message="" if passed else message)


def _sizes(limit: int, actual: int, show: Callable[[int], str] = format_size) -> tuple[str, str]:
    """Formatted limit and actual; exact bytes when rounding would print a breach as equal."""
    if show(limit) == show(actual) and limit != actual:
        return f"{limit:,} B", f"{actual:,} B"
    return show(limit), show(actual)


def _max_size(rule: _Rule, target: TargetResult, report: Report) -> BudgetResult | str | None:
    size = target.size_bytes if rule.name == "max_size" else target.compressed_bytes
    if size is None:
        return "compressed size not measured" if rule.name == "max_compressed_size" else "size not measured"
    limit = int(rule.value)
    shown_limit, shown = _sizes(limit, size)
    what = "compressed size" if rule.name == "max_compressed_size" else "size"
    return _result(rule, target, limit=shown_limit, actual=shown, passed=size <= limit,
                   message=f"{target.name} {what} {shown} is over the {shown_limit} budget by "
                           f"{format_size(size - limit)}")


def _max_growth(rule: _Rule, target: TargetResult, report: Report) -> BudgetResult | str | None:
    if target.base_status in (None, "new"):
        return None  # nothing to grow from: the report marks it new
    if target.delta_bytes is None:
        return "no size on the base"
    basis = " compressed" if target.basis == "compressed" else ""  # against a registry image: registry bytes
    if rule.name == "max_growth_bytes":
        limit = int(rule.value)
        shown_limit, shown = _sizes(limit, target.delta_bytes, format_delta)
        return _result(rule, target, limit=shown_limit, actual=shown, passed=target.delta_bytes <= limit,
                       message=f"{target.name} grew {shown}{basis} against the base, more than {shown_limit}")
    if target.delta_percent is None:
        return "the base size is 0"
    limit_text = format_percent(float(rule.value), signed=True)
    shown = format_percent(target.delta_percent, signed=True)
    return _result(rule, target, limit=limit_text, actual=shown, passed=target.delta_percent <= rule.value,
                   message=f"{target.name} grew {shown} ({format_delta(target.delta_bytes)}{basis}) against the base, "
                           f"more than {limit_text}")


def _max_layers(rule: _Rule, target: TargetResult, report: Report) -> BudgetResult | str | None:
    if target.layers is None:
        return "layers not counted"
    return _result(rule, target, limit=str(rule.value), actual=str(target.layers), passed=target.layers <= rule.value,
                   message=f"{target.name} has {target.layers} layers, more than {rule.value}")


def _min_reduction(rule: _Rule, target: TargetResult, report: Report) -> BudgetResult | str | None:
    reduction = next((r for r in reductions(report) if r.to_target == target.name), None)
    if reduction is None:
        if target.role != "production":
            return None if rule.key == "*" else "applies to the production target only"
        return "no builder stage to compare the production image with"
    limit_text, shown = format_percent(float(rule.value)), format_percent(reduction.percent)
    return _result(rule, target, limit=limit_text, actual=shown, passed=reduction.percent >= rule.value,
                   message=f"{target.name} is only {shown} smaller than {reduction.from_target}, "
                           f"less than {limit_text}")


def _wasted(rule: _Rule, target: TargetResult, report: Report) -> BudgetResult | str | None:
    """dive's three CI rules, on the image analysis (`--analyze`): highestWastedBytes,
    highestUserWastedPercent and lowestEfficiency."""
    analysis = target.analysis
    if analysis is None:
        return "needs the image analysis (--analyze)"
    if rule.name == "max_wasted_bytes":
        limit = int(rule.value)
        shown_limit, shown = _sizes(limit, analysis.wasted_bytes)
        return _result(rule, target, limit=shown_limit, actual=shown, passed=analysis.wasted_bytes <= limit,
                       message=f"{target.name} wastes {shown}, more than {shown_limit}")
    if rule.name == "max_wasted_percent":
        percent = analysis.own_wasted_percent  # of the bytes the user's own layers hold: what they can fix
        limit_text, shown = format_percent(float(rule.value)), format_percent(percent)
        return _result(rule, target, limit=limit_text, actual=shown, passed=percent <= rule.value,
                       message=f"{target.name}'s own layers waste {shown} of their bytes, more than {limit_text}")
    efficiency = 100.0 * analysis.efficiency
    limit_text, shown = format_percent(float(rule.value)), format_percent(efficiency)
    return _result(rule, target, limit=limit_text, actual=shown, passed=efficiency >= rule.value,
                   message=f"{target.name} is {shown} efficient, less than {limit_text}")


_Judge = Callable[[_Rule, TargetResult, Report], "BudgetResult | str | None"]
_JUDGES: dict[str, _Judge] = {
    "max_size": _max_size,
    "max_compressed_size": _max_size,
    "max_growth_bytes": _max_growth,
    "max_growth_percent": _max_growth,
    "max_layers": _max_layers,
    "min_reduction": _min_reduction,
    "max_wasted_bytes": _wasted,
    "max_wasted_percent": _wasted,
    "min_efficiency": _wasted,
}


def _matches_any(key: str, report: Report) -> bool:
    return key == "*" or any(key in (t.name, stage_name(t)) for t in report.targets)


def _unknown(key: str, report: Report, config: Budgets) -> str:
    names = ", ".join(dict.fromkeys(t.name for t in report.targets)) or "none"
    where = f"{config.source}: " if config.source else ""
    return f"{where}budgets.{key}: no target named {key!r} (targets: {names})"
