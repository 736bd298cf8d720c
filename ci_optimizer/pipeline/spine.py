"""The spine: parse → plan → build → test → measure → compare → judge, for one request.

`ci-optimizer run` and the GitHub Action both call `run()` in-process and get the report back;
what they do with it (terminal, files, the PR comment) is theirs. The engine comes in through
`Session` (request.py; wiring.py makes the real one), so nothing here reads the environment.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from ci_optimizer.adapters import git
from ci_optimizer.compare.baseline import compare_with_saved, read_saved
from ci_optimizer.errors import GitError
from ci_optimizer.judge.budgets import apply_budgets, budgeted_targets
from ci_optimizer.model.results import Report
from ci_optimizer.model.sections import combine
from ci_optimizer.pipeline import base_ref, registry_base
from ci_optimizer.pipeline.examine import ExamineOptions, examine
from ci_optimizer.pipeline.head import build_and_measure
from ci_optimizer.pipeline.preparation import Prepared, prepare_request
from ci_optimizer.pipeline.request import Request, Session
from ci_optimizer.plan import shards
from ci_optimizer.plan.prepare import RunOptions
from ci_optimizer.ports import Log


def run(request: Request, session: Session, *, log: Log) -> Report:
    """The whole pipeline; raises the project's own errors (CiOptimizerError) for bad input."""
    prepared = prepare_request(request, cwd=session.cwd)
    engine = session.engine()
    looked = _registry_baseline(request, prepared, session, engine.images.client, log)
    fallback: tuple[str, ...] = ()
    if looked is not None and not looked.complete and (request.baseline or request.base_ref):
        fallback = tuple(f"{w.rsplit('; ', 1)[0]}; compared with {request.baseline or request.base_ref} instead"
                         for w in looked.warnings)
        looked = None
    saved = None
    if looked is None and request.baseline:
        # a shard's weights already read it; read again only to report why it could not be read
        saved, unread = ((prepared.saved, ()) if prepared.saved is not None
                         else read_saved(request.baseline, fallback=request.base_ref))
        fallback = (*fallback, *unread)
    base = (base_ref.locate(request.base_ref, cwd=session.cwd, log=log)
            if request.base_ref and saved is None and looked is None and prepared.runs else None)

    def run_head() -> Report:
        if not prepared.runs:  # more legs than Dockerfiles: this one reports that it had nothing to do
            return Report(dockerfile="", targets=(), warnings=(f"shard {prepared.shard}: no Dockerfile to build",))
        return combine([build_and_measure(options, builder=engine.builder, images=engine.images, log=log,
                                          planned=planned)[0] for options, planned in prepared.runs])

    if base is not None:
        base_engine = session.engine()

        def run_base(options: RunOptions) -> Report:
            return build_and_measure(options, builder=base_engine.builder, images=base_engine.images,
                                     log=lambda line: log(f"base: {line}"))[0]

        report = base_ref.alongside_base(run_head, [o for o, _p in prepared.runs], base=base, run=run_base,
                                         log=log, cwd=session.cwd, warnings=fallback)
    else:
        report = run_head()
        if fallback:
            report = replace(report, warnings=(*report.warnings, *fallback))
    if saved is not None and request.baseline is not None:
        share = shards.saved_share(saved, prepared.shard) if prepared.shard is not None else saved
        report = compare_with_saved(report, share, request.baseline)
    client = engine.images.client
    also = registry_base.compared_names(report, looked, client) if looked is not None else ()
    sized = registry_base.exact_sizes(looked) if looked is not None else {}
    examine_options = ExamineOptions(analyze=request.analyze, cache_dir=session.layer_cache, smoke=request.smoke,
                                     hadolint=request.hadolint, path_env=session.path_env, also=also,
                                     budgeted=budgeted_targets(report, prepared.config.budgets), sized=sized)
    report = examine(report, prepared.runs, client=client, options=examine_options,
                     settings=prepared.config.checks, log=log)
    if looked is not None:
        report = registry_base.apply_images(report, looked, client)
    report = apply_budgets(report, prepared.config, elsewhere=prepared.elsewhere)
    return replace(report, origin=replace(engine.describe(), commit=_commit(session.cwd), shard=prepared.shard))


def _commit(cwd: Path) -> str | None:
    """The commit the report is about, so that `merge` refuses legs of different commits."""
    try:
        return git.resolve(cwd, "HEAD")
    except GitError:
        return None  # not a git checkout, or no git: the report just does not say


def _registry_baseline(
    request: Request, prepared: Prepared, session: Session, client: Any, log: Log
) -> registry_base.Looked | None:
    """`--baseline-image` (or the config's `baseline_image`) looked up before anything is built."""
    wanted = registry_base.references(prepared.runs, request.baseline_image)
    if not wanted or session.registry is None:
        return None
    template = request.baseline_image or next(o.baseline_image for o, _p in prepared.runs if o.baseline_image)
    return registry_base.look_up(wanted, registry=session.registry(), client=client, template=template or "",
                                 log=log)
