"""`ci-optimizer plan`: parse and plan, print what a run would build. No engine, no docker import."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from ci_optimizer.cli.selection import add_selection_args, selection_flags, selection_options
from ci_optimizer.config import load_config
from ci_optimizer.errors import EXIT_OK, UsageError
from ci_optimizer.plan.plan_view import plan_json, render_plan
from ci_optimizer.plan.prepare import prepare
from ci_optimizer.plan.runs import runs_for
from ci_optimizer.textfile import write_text


def add_plan_parser(sub: argparse._SubParsersAction[Any]) -> None:
    plan = sub.add_parser("plan", help="print the roles, the targets and the stages each builds; builds nothing")
    add_selection_args(plan)
    plan.add_argument("--json", type=Path, metavar="PATH",
                      help="write the plan as JSON (schema_version 1, docs/plan.md); one Dockerfile only")
    plan.set_defaults(handler=cmd_plan)


def cmd_plan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    config = load_config(args.config, root=Path())
    options = runs_for(config, selection_flags(args), selection_options(args))
    if args.json is not None and len(options) > 1:
        files = ", ".join(str(o.dockerfile) for o in options)
        raise UsageError(f"--json writes one Dockerfile's plan and {config.source} lists {len(options)} ({files}); "
                         "add --file to say which")
    planned = [prepare(o) for o in options]  # every error before anything is printed
    for one in planned:
        out.write(render_plan(one))
    if args.json is not None:
        write_text(args.json, plan_json(planned[0]), what="plan", error=UsageError)
    return EXIT_OK
