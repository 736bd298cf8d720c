"""The `checks:` key of the config: a severity per check, or `off` with a reason. Pure.

    checks:
      non-root-user: error
      healthcheck: warning
      minimal-base: {severity: off, reason: "the base is mandated by the platform team"}
      hadolint/DL3008: off            # rejected: `off` needs a reason, so write the mapping form

YAML 1.1 reads a bare `off` as false, so false means off too.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from ci_optimizer.errors import ConfigError
from ci_optimizer.judge.checks.hadolint_rules import PREFIX as HADOLINT_PREFIX
from ci_optimizer.judge.checks.inputs import SEVERITIES, Severity

Level = Literal["error", "warning", "info", "off"]
HADOLINT_RULE = r"^hadolint/(DL|SC)[0-9]+$"


@dataclass(frozen=True, kw_only=True)
class CheckSetting:
    severity: Level
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class CheckSettings:
    overrides: Mapping[str, CheckSetting] = field(default_factory=dict)

    def get(self, check_id: str) -> CheckSetting | None:
        return self.overrides.get(check_id)

    def severity(self, check_id: str, default: Severity) -> Level:
        setting = self.overrides.get(check_id)
        if setting is None and check_id.startswith(HADOLINT_PREFIX):
            setting = self.overrides.get("hadolint")  # `hadolint: warning` sets every hadolint rule
        return setting.severity if setting is not None else default


def config_schema(check_ids: tuple[str, ...]) -> dict[str, Any]:
    """The JSON-Schema fragment for `checks:` (draft 2020-12), for the config schema to embed."""
    return {
        "type": "object",
        "description": "Severity of each production-readiness check: error fails the run, warning and info report. "
                       "`off` needs a reason.",
        "propertyNames": {"anyOf": [{"enum": list(check_ids)}, {"pattern": HADOLINT_RULE}]},
        "additionalProperties": {
            "oneOf": [
                {"enum": list(SEVERITIES)},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["severity"],
                    "properties": {
                        "severity": {"enum": [*SEVERITIES, "off", False]},
                        "reason": {"type": "string", "minLength": 1},
                    },
                    "if": {"properties": {"severity": {"enum": ["off", False]}}},
                    "then": {"required": ["severity", "reason"]},
                },
            ]
        },
    }


def parse_settings(raw: Any, *, check_ids: tuple[str, ...], source: str, key: str = "checks") -> CheckSettings:
    """The `checks:` value of a loaded config -> CheckSettings; ConfigError names the file and key."""
    if raw is None:
        return CheckSettings()
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{key}: expected a mapping of check id to severity, got {_show(raw)}", location=source)
    overrides: dict[str, CheckSetting] = {}
    for check_id, value in raw.items():
        path = f"{key}.{check_id}"
        if not isinstance(check_id, str) or not (check_id in check_ids or _hadolint_rule(check_id)):
            close = difflib.get_close_matches(str(check_id), check_ids, n=1)
            hint = f" (did you mean {close[0]}?)" if close else f" (checks: {', '.join(check_ids)}, or hadolint/DLxxxx)"
            raise ConfigError(f"{path}: unknown check{hint}", location=source)
        overrides[check_id] = _setting(value, path, source)
    return CheckSettings(overrides=overrides)


def _setting(value: Any, path: str, source: str) -> CheckSetting:
    if isinstance(value, Mapping):
        unknown = sorted(set(map(str, value)) - {"severity", "reason"})
        if unknown:
            raise ConfigError(f"{path}: unknown key {unknown[0]!r} (keys: severity, reason)", location=source)
        if "severity" not in value:
            raise ConfigError(f"{path}: missing `severity`", location=source)
        level = _level(value["severity"], f"{path}.severity", source, allow_off=True)
        reason = value.get("reason")
        if reason is not None and (not isinstance(reason, str) or not reason.strip()):
            raise ConfigError(f"{path}.reason: expected a non-empty string", location=source)
        if level == "off" and reason is None:
            raise ConfigError(f"{path}: `off` needs a reason: {{severity: off, reason: \"...\"}}", location=source)
        return CheckSetting(severity=level, reason=reason.strip() if isinstance(reason, str) else None)
    level = _level(value, path, source, allow_off=False)
    return CheckSetting(severity=level)


def _level(value: Any, path: str, source: str, *, allow_off: bool) -> Level:
    text = "off" if value is False else value.strip().lower() if isinstance(value, str) else None
    if text == "off" and not allow_off:
        raise ConfigError(f"{path}: `off` needs a reason: {{severity: off, reason: \"...\"}}", location=source)
    if text in (*SEVERITIES, "off"):
        return cast(Level, text)
    raise ConfigError(f"{path}: {_show(value)} is not a severity (error, warning, info, or off with a reason)",
                      location=source)


def _hadolint_rule(check_id: str) -> bool:
    code = check_id.removeprefix(HADOLINT_PREFIX)
    return check_id.startswith(HADOLINT_PREFIX) and code[:2] in ("DL", "SC") and code[2:].isdigit()


def _show(value: Any) -> str:
    return repr(value) if not isinstance(value, Mapping | list) else type(value).__name__
