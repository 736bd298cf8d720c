"""Builders for checklist inputs: a Dockerfile text plus, optionally, what the engine measured."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ci_optimizer.dockerfile.parse import parse_dockerfile
from ci_optimizer.dockerfile.roles import assign_roles
from ci_optimizer.judge.checks.inputs import CheckInputs, Finding, LayerFiles
from ci_optimizer.model.image_model import ImageConfig
from tests.report_support import make_target


def make_inputs(
    text: str,
    *,
    config: ImageConfig | None = None,
    files: Mapping[str, int] | None = None,
    layers: Sequence[LayerFiles] | None = None,
    base_bytes: int | None = None,
    build_args: Mapping[str, str] | None = None,
    **extra: Any,
) -> CheckInputs:
    """Checklist inputs; with `config`, production counts as built and measured."""
    model = parse_dockerfile(text, build_args=build_args)
    roles = assign_roles(model)
    production = None
    if config is not None:
        stage = model.stages[roles.production]
        production = make_target(
            name=stage.target_name, dockerfile="Dockerfile", role="production", stage_line=stage.line,
            status="built", config=config, base_image=model.root_base(stage.index), base_image_bytes=base_bytes,
        )
    return CheckInputs(model=model, roles=roles, production=production, final_files=files, layer_files=layers,
                       build_args=build_args or {}, **extra)


def failed(findings: Sequence[Finding]) -> list[tuple[int | None, str]]:
    return [(f.line, f.message) for f in findings if not f.passed]


def passed(findings: Sequence[Finding]) -> list[str]:
    return [f.message for f in findings if f.passed]
