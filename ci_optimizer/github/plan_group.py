"""The plan the action prints before it builds: the same planning `ci-optimizer plan` does."""

from __future__ import annotations

from pathlib import Path

from ci_optimizer.config import load_config
from ci_optimizer.pipeline.request import Request
from ci_optimizer.plan.plan_view import render_plan
from ci_optimizer.plan.prepare import prepare
from ci_optimizer.plan.runs import runs_for


def plan_text(request: Request, *, cwd: Path) -> str:
    config = load_config(request.config, root=cwd)
    return "".join(render_plan(prepare(o)) for o in runs_for(config, request.flags, request.template)).rstrip("\n")
