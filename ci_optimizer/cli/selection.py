"""The options `run` and `plan` share: which Dockerfile, which stages, which build args and platform."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ci_optimizer.plan.prepare import RunOptions
from ci_optimizer.plan.runs import Flags, parse_build_args


def add_selection_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--file", "-f", type=Path, help="the Dockerfile (default: CONTEXT/Dockerfile)")
    parser.add_argument("--context", type=Path, help="build context directory (default: .)")
    parser.add_argument("--targets", default="",
                        help="comma-separated targets to build, or `all` for every stage that can be a target "
                             "(default: production, the tester, the builder and every target a budget names)")
    parser.add_argument("--tester", help="the stage that runs the tests (default: tester/test/tests)")
    parser.add_argument("--production", help="the stage that ships (default: the last stage)")
    parser.add_argument("--builder-stage", metavar="NAME",
                        help="the stage production's reduction is measured against (default: the stage production "
                             "copies the most from)")
    parser.add_argument("--build-arg", action="append", default=[], metavar="KEY=VALUE", help="repeatable")
    parser.add_argument("--platform", metavar="OS/ARCH",
                        help="the target platform, as docker build takes it (default: this machine's, e.g. "
                             "linux/amd64); sets TARGETOS, TARGETARCH, ...")
    parser.add_argument("--config", type=Path, metavar="PATH", help="config file (default: .ci-optimizer.yml)")


def selection_flags(args: argparse.Namespace) -> Flags:
    """What the command line set explicitly, to lay over the config's Dockerfiles."""
    return Flags(file=args.file, context=args.context, targets=_targets(args), tester=args.tester,
                 production=args.production, builder=args.builder_stage, build_args=parse_build_args(args.build_arg),
                 platform=args.platform)


def selection_options(args: argparse.Namespace, **rest: Any) -> RunOptions:
    context: Path = args.context if args.context is not None else Path(".")
    return RunOptions(
        dockerfile=args.file if args.file is not None else context / "Dockerfile", context=context,
        targets=_targets(args), tester=args.tester, production=args.production, builder=args.builder_stage,
        build_args=parse_build_args(args.build_arg), platform=args.platform, **rest,
    )


def _targets(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(t.strip() for t in args.targets.split(",") if t.strip())
