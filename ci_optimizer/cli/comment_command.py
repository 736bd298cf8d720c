"""`ci-optimizer comment --report report.json`: the CLI side of the fork-safe commenting workflow.

Registration stays light (no PyGithub import) so `ci-optimizer --help` stays fast; the work is
in saved_report.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from ci_optimizer.github.action_settings import COMMENT_MODES


def add_comment_parser(sub: Any) -> None:
    """Register `comment` on the CLI's subparsers (cli.build_parser calls this)."""
    parser = sub.add_parser(
        "comment", help="post or update the sticky PR comment from a saved JSON report (fork-safe workflows)"
    )
    parser.add_argument("--report", type=Path, required=True, metavar="PATH", help="the JSON report")
    parser.add_argument("--pr", type=int, metavar="NUMBER",
                        help="pull request number (default: from the event, else from the report)")
    parser.add_argument("--comment-key", metavar="KEY", help="default: the key the report was made with")
    parser.add_argument("--mode", choices=[m for m in COMMENT_MODES if m != "never"], default="always",
                        help="on-change leaves a comment whose results are unchanged untouched")
    parser.add_argument("--repository", metavar="OWNER/NAME", help="default: GITHUB_REPOSITORY")
    parser.set_defaults(handler=cmd_comment)


def cmd_comment(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    # The edge: HTTP (PyGithub) and the environment (wiring) are imported only when the command runs.
    from ci_optimizer.github.saved_report import CommentRequest, post_saved_report  # noqa: PLC0415
    from ci_optimizer.wiring import environment  # noqa: PLC0415

    request = CommentRequest(report=args.report, pr=args.pr, key=args.comment_key, mode=args.mode,
                             repository=args.repository)
    return post_saved_report(environment(), request, out=out)
