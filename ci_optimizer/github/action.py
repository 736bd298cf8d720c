"""The GitHub Action: inputs -> the pipeline -> annotations, summary, comment, outputs.

The action calls the same spine as `ci-optimizer run` (pipeline/spine.py), in-process, with a
Request built from its inputs, so comparison, budgets and the config file behave identically;
then it publishes the report. The summary is written before the comment is attempted: it needs
no permission, so a fork PR still gets the full report even when the comment is refused.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from ci_optimizer.adapters import proc
from ci_optimizer.errors import EXIT_ERROR, EXIT_FAILED, EXIT_OK, CiOptimizerError, CommandError, describe_error
from ci_optimizer.github.action_settings import ActionSettings, load_settings, read_input
from ci_optimizer.github.annotations import annotations_for
from ci_optimizer.github.event import PullRequest, pull_request, read_event
from ci_optimizer.github.merge_mode import merged_pipeline
from ci_optimizer.github.plan_group import plan_text
from ci_optimizer.github.publisher import Publisher
from ci_optimizer.github.runner import ActionOutputs, Console, write_outputs
from ci_optimizer.measure.history import clean_created_by
from ci_optimizer.model.results import GitHubContext, Report
from ci_optimizer.pipeline.request import Request, Session
from ci_optimizer.plan.prepare import RunOptions
from ci_optimizer.plan.runs import Flags, parse_build_args
from ci_optimizer.ports import Log
from ci_optimizer.report import json_report as report_json
from ci_optimizer.report.terminal import render_terminal
from ci_optimizer.sizes import format_size
from ci_optimizer.textfile import write_text

REPORT_PATH = ".ci-optimizer/report.json"  # relative to the workspace, so later steps can upload it

RunPipeline = Callable[[Request, Session, Log], Report]


def _run_spine(request: Request, session: Session, log: Log) -> Report:
    from ci_optimizer.pipeline import spine  # noqa: PLC0415 - loads docker; a bad input fails before it

    return spine.run(request, session, log=log)


def main() -> int:
    """entrypoint.py's target: the wiring module supplies the environment and the engine."""
    from ci_optimizer.wiring import environment, session  # noqa: PLC0415 - the one module that reads os.environ

    env = environment()
    return run_action(env, stdout=sys.stdout, session=session(env, builder=read_input(env, "builder") or None))


def run_action(env: Mapping[str, str], *, stdout: TextIO, session: Session,
               run_pipeline: RunPipeline = _run_spine, throttle: bool = True) -> int:
    """The whole action; every error ends as one `::error` line, outputs written, exit code 2."""
    console = Console(stdout)
    token = read_input(env, "github-token") or env.get("GITHUB_TOKEN", "")
    if token:
        console.mask(token)  # before anything else is printed
    try:
        settings = load_settings(env)
        pr = pull_request(settings.runner.event_name, read_event(settings.runner.event_path))
        if settings.merge_reports:  # the matrix's final job: the legs' reports instead of a build
            run_pipeline = merged_pipeline(settings, settings.merge_reports)
        return _run(settings, pr, console, session=session, run_pipeline=run_pipeline, throttle=throttle)
    except CiOptimizerError as exc:
        console.error(exc.one_line(), title="ci-optimizer")
        _write_outputs_safely(console, env.get("GITHUB_OUTPUT"),
                              ActionOutputs(passed=False, report="", comment_url=""))
        return exc.exit_code


def _run(settings: ActionSettings, pr: PullRequest | None, console: Console, *, session: Session,
         run_pipeline: RunPipeline, throttle: bool) -> int:
    trust_workspace(settings.runner.workspace, console)
    report_file = Path(settings.runner.workspace) / REPORT_PATH
    report_file.unlink(missing_ok=True)  # a stale report from an earlier run must never be published
    publisher = Publisher(settings=settings, pr=pr, console=console, throttle=throttle)
    try:
        request = request_from_settings(settings, pr)
        with console.group("ci-optimizer: plan (what will be built)"):
            console.line(plan_text(request, cwd=session.cwd))  # a bad input fails here, before docker loads
        with console.group("ci-optimizer: build, test and measure every target"):
            report = run_pipeline(request, session, console.line)
    except Exception as exc:  # the boundary: whatever stopped the run still replaces the old verdict
        if session.debug:
            console.line(traceback.format_exc())
        message, code = describe_error(exc)
        console.error(message, title="ci-optimizer")
        published = publisher.error(f"ci-optimizer: error: {message}")
        _finish(console, settings, passed=False, report="", comment_url=published.comment_url)
        return code
    console.line(render_terminal(report).rstrip("\n"))
    report = _with_github_block(report, settings, pr)
    write_text(report_file, report_json.dumps(report), what="report", error=CiOptimizerError)
    _log_targets(report, console)
    for note in annotations_for(report, budgets_enforced=settings.fail_on_budget,
                                workspace=settings.runner.workspace):
        emit = console.error if note.level == "error" else console.warning
        emit(note.message, file=note.file, line=note.line, title=note.title)
    published = publisher.report(report)
    result = exit_code(report, fail_on_budget=settings.fail_on_budget)
    if published.code == EXIT_ERROR:
        result = EXIT_ERROR
    _finish(console, settings, passed=result == EXIT_OK, report=REPORT_PATH, comment_url=published.comment_url)
    return result


def exit_code(report: Report, *, fail_on_budget: bool) -> int:
    """Builds, tests and checklist errors always fail; budgets fail only when `fail-on-budget`."""
    if report.failed_targets or report.tests_failed or report.failed_checks:
        return EXIT_FAILED
    if report.failed_budgets and fail_on_budget:
        return EXIT_FAILED
    return EXIT_OK


def request_from_settings(settings: ActionSettings, pr: PullRequest | None) -> Request:
    """The pipeline request for these inputs. Pure.

    Only what the user set overrides the config: an explicit `file` picks one of its Dockerfiles.
    With both `baseline` and a base ref, the saved report is read and the base is built only when
    the file is missing or unreadable (an expired artifact, the first PR after adopting). A push
    has no base: nothing to compare.
    """
    file = Path(settings.file) if settings.file else None
    context = Path(settings.context) if settings.context else None
    build_args = parse_build_args(settings.build_args)
    targets = tuple(settings.targets)
    flags = Flags(file=file, context=context, targets=targets, tester=settings.tester or None,
                  production=settings.production or None, builder=settings.builder_stage,
                  build_args=build_args, platform=settings.platform)
    root = context if context is not None else Path()
    template = RunOptions(
        dockerfile=file if file is not None else root / "Dockerfile", context=root, targets=targets,
        tester=settings.tester or None, production=settings.production or None, build_args=build_args,
        tag_prefix=settings.tag_prefix, cache_from=settings.cache_from, cache_to=settings.cache_to,
        builder=settings.builder_stage, platform=settings.platform,
    )
    return Request(
        config=Path(settings.config) if settings.config else None, flags=flags, template=template,
        base_ref=settings.base_ref or (pr.base_sha if pr is not None and pr.base_sha else None),
        baseline=Path(settings.baseline) if settings.baseline else None, baseline_image=settings.baseline_image,
        shard=settings.shard,
    )


def trust_workspace(workspace: str, console: Console) -> None:
    """Let git work in a workspace owned by another user.

    A container action runs as root while /github/workspace belongs to the runner's user, and
    git (since 2.35.2) refuses such a repository as of "dubious ownership". Trust exactly this
    directory, only when its owner differs from us.
    """
    try:
        if os.stat(workspace).st_uid == os.getuid():
            return
        known = proc.run(["git", "config", "--global", "--get-all", "safe.directory"], check=False)
        if workspace in known.stdout.splitlines():
            return
        proc.run(["git", "config", "--global", "--add", "safe.directory", workspace])
    except (OSError, CommandError) as exc:
        message = exc.one_line() if isinstance(exc, CommandError) else str(exc)
        console.warning(f"could not mark {workspace} as a safe git directory: {message}")


def _with_github_block(report: Report, settings: ActionSettings, pr: PullRequest | None) -> Report:
    """Record which PR the report is about, so `ci-optimizer comment` can post it later."""
    context = GitHubContext(
        repository=settings.runner.repository,
        pull_request=pr.number if pr is not None and pr.number > 0 else None,
        head_sha=pr.head_sha if pr is not None and pr.head_sha else None,
        base_sha=pr.base_sha if pr is not None and pr.base_sha else None,
        comment_key=settings.comment_key,
        budgets_enforced=settings.fail_on_budget,
    )
    return replace(report, github=context)


def _log_targets(report: Report, console: Console) -> None:
    for t in report.targets:
        size = format_size(t.size_bytes) if t.status == "built" else t.status
        with console.group(f"ci-optimizer: {t.name} ({t.role}) — {size}, {t.layers or 0} layers"):
            for layer in sorted(t.layer_details, key=lambda item: -item.size_bytes)[:10]:
                where = f"line {layer.line}" if layer.line else ("base image" if layer.from_base else "")
                made_by = clean_created_by(layer.created_by)[:150]  # without build-arg values
                console.line(f"{format_size(layer.size_bytes):>10}  {where:<12} {made_by}")
            if t.error:
                console.line(f"error: {t.error}")
            for line in t.log_tail:
                console.line(line)


def _finish(console: Console, settings: ActionSettings, *, passed: bool, report: str, comment_url: str) -> None:
    _write_outputs_safely(console, settings.runner.output_path,
                          ActionOutputs(passed=passed, report=report, comment_url=comment_url))


def _write_outputs_safely(console: Console, path: str | None, outputs: ActionOutputs) -> None:
    try:
        write_outputs(path, outputs)
    except CiOptimizerError as exc:
        console.error(exc.one_line(), title="ci-optimizer")
