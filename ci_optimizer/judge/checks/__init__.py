"""The production-readiness checklist: pure rules over the Dockerfile model and the measured image.

The pipeline builds a `CheckInputs` for the production target and calls `run_checks(inputs,
settings)`; `CHECK_IDS` and `CHECKS_CONFIG_SCHEMA` describe the `checks:` key of the config, and
`parse_check_settings` reads it.
"""

from __future__ import annotations

from typing import Any

from ci_optimizer.judge.checks.check_settings import CheckSetting, CheckSettings, config_schema, parse_settings
from ci_optimizer.judge.checks.inputs import CheckInputs, HadolintFinding, HadolintRun, LayerFiles, SmokeOutcome
from ci_optimizer.judge.checks.registry import CHECK_IDS, CHECKS, run_checks

CHECKS_CONFIG_SCHEMA: dict[str, Any] = config_schema(CHECK_IDS)


def parse_check_settings(raw: Any, *, source: str, key: str = "checks") -> CheckSettings:
    """The loaded `checks:` value -> CheckSettings; ConfigError names the file and the key path."""
    return parse_settings(raw, check_ids=CHECK_IDS, source=source, key=key)


__all__ = [
    "CHECKS",
    "CHECKS_CONFIG_SCHEMA",
    "CHECK_IDS",
    "CheckInputs",
    "CheckSetting",
    "CheckSettings",
    "HadolintFinding",
    "HadolintRun",
    "LayerFiles",
    "SmokeOutcome",
    "parse_check_settings",
    "run_checks",
]
