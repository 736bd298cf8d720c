"""Gathering what the checklist reads from the world: the build context, hadolint, the smoke run.

One call for the pipeline after production is built and measured; every source is optional, and
what is missing degrades the checks that need it (see judge/checks/inputs.py), never the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ci_optimizer.adapters.build_context import read_build_context
from ci_optimizer.adapters.hadolint_run import find_hadolint, run_hadolint
from ci_optimizer.adapters.smoke_run import run_smoke
from ci_optimizer.dockerfile.roles import Roles
from ci_optimizer.dockerfile.stages import DockerfileModel
from ci_optimizer.judge.checks.inputs import CheckInputs, LayerFiles
from ci_optimizer.model.results import TargetResult


def gather_inputs(
    *,
    model: DockerfileModel,
    roles: Roles,
    production: TargetResult | None,
    dockerfile: Path,
    context: Path,
    build_args: Mapping[str, str],
    client: Any | None = None,
    path_env: str | None = None,
    hadolint: bool = True,
    smoke: bool = False,
    smoke_seconds: float = 5.0,
    final_files: Mapping[str, int] | None = None,
    layer_files: Sequence[LayerFiles] | None = None,
) -> CheckInputs:
    """CheckInputs for the production target. `path_env` is PATH (where hadolint is looked for)."""
    build_context = read_build_context(context, dockerfile)
    tag = production.tag if production is not None and production.status == "built" else None
    return CheckInputs(
        model=model,
        roles=roles,
        production=production,
        final_files=final_files,
        layer_files=layer_files,
        dockerignore=build_context.dockerignore,
        dockerignore_path=build_context.dockerignore_path,
        context_dirs=build_context.heavy_dirs,
        build_args=build_args,
        hadolint=run_hadolint(dockerfile, binary=find_hadolint(path_env)) if hadolint else None,
        smoke=run_smoke(client, tag, seconds=smoke_seconds) if smoke and client is not None and tag else None,
    )
