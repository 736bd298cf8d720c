"""`ci-optimizer plan`: what a run would build, as text and as JSON (schema_version 1). Pure.

The JSON shape is documented in docs/plan.md; a consumer checks `schema_version` first.
"""

from __future__ import annotations

import json
from typing import Any

from ci_optimizer.plan.prepare import Planned

PLAN_SCHEMA_VERSION = 1
SHOWN_STAGES = 12  # per target in the text form; the JSON lists them all


def plan_document(planned: Planned) -> dict[str, Any]:
    model, roles = planned.model, planned.roles
    return {
        "schema_version": PLAN_SCHEMA_VERSION,
        "dockerfile": model.path,
        "platform": model.platform,
        "stages": [
            {"index": s.index, "name": s.name, "base": s.base_raw, "resolved_base": s.base, "parent": s.parent,
             "needs": list(s.needs)}
            for s in model.stages
        ],
        "roles": {"production": roles.production, "tester": roles.tester, "builder": roles.builder},
        "targets": [{"stage": t.index, "builds": list(model.dependencies(t.index))} for t in planned.plan.targets],
        "warnings": list(planned.warnings),
    }


def plan_json(planned: Planned) -> str:
    return json.dumps(plan_document(planned), indent=2) + "\n"


def render_plan(planned: Planned) -> str:
    model, roles = planned.model, planned.roles
    lines = [f"{model.path} ({model.platform}): {_count(len(model.stages), 'stage')}, "
             f"{_count(len(planned.plan.targets), 'target')}"]
    for role, index in (("production", roles.production), ("tester", roles.tester), ("builder", roles.builder)):
        where = f"{model.stages[index].target_name} (line {model.stages[index].line})" if index is not None else "none"
        lines.append(f"  {role:<11} {where}")
    for target in planned.plan.targets:
        builds = [model.stages[i].target_name for i in model.dependencies(target.index)]
        shown = ", ".join(builds[:SHOWN_STAGES]) + (f", … {len(builds) - SHOWN_STAGES} more"
                                                    if len(builds) > SHOWN_STAGES else "")
        lines.append(f"  target {target.name} ({target.role}): builds {_count(len(builds), 'stage')}: {shown}")
    lines.extend(f"  warning: {w}" for w in planned.warnings)
    return "\n".join(lines) + "\n"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
