"""`ci-optimizer plan`: parse and plan, print what a run would build. No engine, no docker import."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from ci_optimizer.cli.selection import add_selection_args, selection_flags, selection_options
from ci_optimizer.errors import EXIT_OK, UsageError
from ci_optimizer.pipeline.preparation import prepare_request
from ci_optimizer.pipeline.request import Request
from ci_optimizer.plan.plan_view import plan_json, render_plan
from ci_optimizer.plan.shards import parse_shard
from ci_optimizer.textfile import write_text


def add_plan_parser(sub: argparse._SubParsersAction[Any]) -> None:
    plan = sub.add_parser("plan", help="print the roles, the targets and the stages each builds; builds nothing")
    add_selection_args(plan)
    plan.add_argument("--json", type=Path, metavar="PATH",
                      help="write the plan as JSON (schema_version 1, docs/plan.md); one Dockerfile only")
    plan.add_argument("--shard", metavar="K/N",
                      help="show what matrix leg K of N builds (the config's Dockerfiles split as `run --shard` "
                           "splits them)")
    plan.add_argument("--baseline", type=Path, metavar="PATH",
                      help="with --shard: weigh the Dockerfiles by this saved report's build seconds")
    plan.set_defaults(handler=cmd_plan)


def cmd_plan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    request = Request(config=args.config, flags=selection_flags(args), template=selection_options(args),
                      baseline=args.baseline if args.shard else None,
                      shard=parse_shard(args.shard) if args.shard else None)
    prepared = prepare_request(request)  # every error before anything is printed
    config, runs = prepared.config, prepared.runs
    if args.json is not None and len(runs) > 1:
        files = ", ".join(str(o.dockerfile) for o, _p in runs)
        raise UsageError(f"--json writes one Dockerfile's plan and {config.source} lists {len(runs)} ({files}); "
                         "add --file to say which")
    if prepared.shard is not None:
        shard = prepared.shard
        mine = ", ".join(shard.dockerfiles) or "nothing"
        out.write(f"shard {shard}: {mine} (of {len(shard.planned)} Dockerfiles)\n")
    for _options, planned in runs:
        out.write(render_plan(planned))
    if args.json is not None and runs:
        write_text(args.json, plan_json(runs[0][1]), what="plan", error=UsageError)
    return EXIT_OK
