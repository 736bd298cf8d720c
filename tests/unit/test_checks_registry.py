from __future__ import annotations

import jsonschema
import pytest

from ci_optimizer.dockerfile.parse import parse_dockerfile
from ci_optimizer.errors import ConfigError
from ci_optimizer.judge.checks import CHECK_IDS, CHECKS_CONFIG_SCHEMA, parse_check_settings, run_checks
from ci_optimizer.judge.checks.check_settings import CheckSetting, CheckSettings
from ci_optimizer.judge.checks.hadolint_rules import parse_json, target_of
from ci_optimizer.judge.checks.inputs import HadolintFinding, HadolintRun, SmokeOutcome
from ci_optimizer.judge.checks.read_only import check_read_only_smoke
from ci_optimizer.model.image_model import ImageConfig
from ci_optimizer.model.results import CheckResult
from tests.unit.checks_support import failed, make_inputs, passed

GOOD = (
    "ARG BASE=python:3.12-slim\nFROM $BASE AS builder\nRUN pip wheel --no-cache-dir -w /w flask\n"
    "FROM $BASE AS production\nCOPY --from=builder /w /w\nUSER 10001\n"
    "HEALTHCHECK CMD [\"python3\", \"-c\", \"print(1)\"]\nCMD [\"python3\", \"-m\", \"app\"]\n"
)
GOOD_CONFIG = ImageConfig(
    user="10001", healthcheck=("CMD", "python3", "-c", "print(1)"), cmd=("python3", "-m", "app"),
    labels=tuple((f"org.opencontainers.image.{k}", "x") for k in ("source", "revision", "version")),
)
DISTROLESS_FILES = {
    "/usr/bin/python3.11": 6_000_000, "/usr/bin/python3": 0, "/etc/passwd": 100, "/w/flask.whl": 100_000,
}


def test_check_ids_are_the_documented_ones() -> None:
    assert CHECK_IDS == (
        "multi-stage", "non-root-user", "minimal-base", "no-shell", "no-package-manager", "no-build-tools",
        "no-package-caches", "healthcheck", "oci-labels", "dockerignore", "no-dev-dependencies", "deprecated-flags",
        "no-secrets", "no-key-files", "read-only-smoke", "hadolint",
    )


def test_a_good_production_image_passes_every_check() -> None:
    inputs = make_inputs(GOOD, config=GOOD_CONFIG, files=DISTROLESS_FILES, dockerignore=".git\n",
                         context_dirs=frozenset({".git"}))
    results = run_checks(inputs)
    assert [(r.id, r.passed, r.severity, r.target, r.file) for r in results] == [
        (check_id, True, severity, "production", "Dockerfile")
        for check_id, severity in (
            ("multi-stage", "warning"), ("non-root-user", "warning"), ("minimal-base", "warning"), ("no-shell", "info"),
            ("no-package-manager", "info"), ("no-build-tools", "warning"), ("no-package-caches", "warning"),
            ("healthcheck", "info"), ("oci-labels", "info"), ("dockerignore", "warning"),
            ("no-dev-dependencies", "warning"), ("deprecated-flags", "warning"), ("no-secrets", "error"),
            ("no-key-files", "error"),
        )
    ]


def test_configured_severities_and_off_with_reason() -> None:
    settings = parse_check_settings(
        {"non-root-user": "error", "healthcheck": "WARNING",
         "minimal-base": {"severity": False, "reason": "platform-mandated base"}},
        source=".ci-optimizer.yml",
    )
    inputs = make_inputs("FROM python:3.12\nCMD [\"python3\"]\n", config=ImageConfig(cmd=("python3",)))
    by_id = {r.id: r for r in run_checks(inputs, settings)}
    assert (by_id["non-root-user"].severity, by_id["non-root-user"].passed) == ("error", False)
    assert by_id["healthcheck"].severity == "warning"
    assert by_id["minimal-base"] == CheckResult(
        id="minimal-base", target="stage-0", severity="info", passed=True,
        message="off in the config: platform-mandated base", file="Dockerfile", line=None)


def test_hadolint_findings_fold_in_with_their_stage_and_mapped_severity() -> None:
    text = "ARG X=1\nFROM debian AS builder\nRUN apt-get install gcc\nFROM scratch\nMAINTAINER me\n"
    run = HadolintRun(findings=(
        HadolintFinding(code="DL3008", level="warning", line=3, message="Pin versions in apt get install."),
        HadolintFinding(code="DL4000", level="error", line=5, message="MAINTAINER is deprecated"),
        HadolintFinding(code="DL3059", level="info", line=None, message="Multiple consecutive RUN"),
        HadolintFinding(code="DL3048", level="style", line=1, message="Invalid label key."),
    ), version="2.15.1")
    settings = CheckSettings(overrides={"hadolint/DL4000": CheckSetting(severity="warning")})
    results = [r for r in run_checks(make_inputs(text, hadolint=run), settings) if r.id.startswith("hadolint")]
    assert results == [
        CheckResult(id="hadolint/DL3008", target="builder", severity="warning", passed=False,
                    message="DL3008: Pin versions in apt get install.", file="Dockerfile", line=3),
        CheckResult(id="hadolint/DL4000", target="stage-1", severity="warning", passed=False,
                    message="DL4000: MAINTAINER is deprecated", file="Dockerfile", line=5),
        CheckResult(id="hadolint/DL3059", target="stage-1", severity="info", passed=False,
                    message="DL3059: Multiple consecutive RUN", file="Dockerfile", line=None),
        CheckResult(id="hadolint/DL3048", target="stage-1", severity="info", passed=False,
                    message="DL3048: Invalid label key.", file="Dockerfile", line=1),
    ]


def test_hadolint_off_rules_and_all_off() -> None:
    run = HadolintRun(findings=(
        HadolintFinding(code="DL3008", level="warning", line=2, message="Pin"),
        HadolintFinding(code="DL3008", level="warning", line=3, message="Pin"),
        HadolintFinding(code="DL3009", level="info", line=3, message="Lists"),
    ))
    inputs = make_inputs("FROM a\nRUN apt-get install x\nRUN apt-get install y\n", hadolint=run)
    one_off = parse_check_settings({"hadolint/DL3008": {"severity": "off", "reason": "we pin by digest"}}, source="c")
    assert [(r.id, r.passed, r.message) for r in run_checks(inputs, one_off) if r.id.startswith("hadolint")] == [
        ("hadolint/DL3008", True, "off in the config: we pin by digest"),
        ("hadolint/DL3009", False, "DL3009: Lists"),
    ]
    all_off = parse_check_settings({"hadolint": {"severity": "off", "reason": "linted elsewhere"}}, source="c")
    assert [(r.id, r.message) for r in run_checks(inputs, all_off) if r.id.startswith("hadolint")] == [
        ("hadolint", "off in the config: linted elsewhere")]
    all_error = parse_check_settings({"hadolint": "error"}, source="c")
    assert {r.severity for r in run_checks(inputs, all_error) if r.id.startswith("hadolint/")} == {"error"}


def test_hadolint_missing_or_clean_is_one_info_note() -> None:
    inputs = make_inputs("FROM a\n", hadolint=HadolintRun(error="hadolint is not installed"))
    notes = [r for r in run_checks(inputs) if r.id == "hadolint"]
    assert notes == [CheckResult(id="hadolint", target="stage-0", severity="info", passed=True,
                                 message="hadolint did not run: hadolint is not installed", file="Dockerfile")]
    clean = make_inputs("FROM a\n", hadolint=HadolintRun(version="2.15.1"))
    assert [r.message for r in run_checks(clean) if r.id == "hadolint"] == ["hadolint 2.15.1: no findings"]
    assert [r for r in run_checks(make_inputs("FROM a\n")) if r.id == "hadolint"] == []


def test_parse_hadolint_json() -> None:
    text = ('[{"code":"DL3006","column":1,"file":"Dockerfile","level":"warning","line":1,"message":"Always tag"},'
            '{"code":"SC2086","column":1,"file":"Dockerfile","level":"info","line":0,"message":"Double\\n quote"}]')
    assert parse_json(text) == (
        HadolintFinding(code="DL3006", level="warning", line=1, message="Always tag"),
        HadolintFinding(code="SC2086", level="info", line=None, message="Double quote"),
    )
    assert parse_json("") == ()
    with pytest.raises(ValueError, match="not JSON"):
        parse_json("DL3006 warning")
    with pytest.raises(ValueError, match="unexpected item"):
        parse_json('[{"line": 1}]')


def test_target_of_a_line() -> None:
    model = parse_dockerfile("ARG A\nFROM a AS one\nRUN x\nFROM b\nRUN y\n")
    assert [target_of(model, line, "prod") for line in (1, 2, 3, 4, 5, None)] == [
        "prod", "one", "one", "stage-1", "stage-1", "prod"]


@pytest.mark.parametrize(("raw", "message"), [
    (["x"], "checks: expected a mapping of check id to severity, got list"),
    ({"non-root": "error"}, "checks.non-root: unknown check (did you mean non-root-user?)"),
    ({"zzz": "error"}, "checks.zzz: unknown check (checks: multi-stage, non-root-user, minimal-base, no-shell, "
                       "no-package-manager, no-build-tools, no-package-caches, healthcheck, oci-labels, dockerignore, "
                       "no-dev-dependencies, deprecated-flags, no-secrets, no-key-files, read-only-smoke, hadolint, "
                       "or hadolint/DLxxxx)"),
    ({"healthcheck": False}, 'checks.healthcheck: `off` needs a reason: {severity: off, reason: "..."}'),
    ({"healthcheck": "off"}, 'checks.healthcheck: `off` needs a reason: {severity: off, reason: "..."}'),
    ({"healthcheck": {"severity": "off"}}, 'checks.healthcheck: `off` needs a reason: {severity: off, reason: "..."}'),
    ({"healthcheck": {"severity": "off", "reason": " "}}, "checks.healthcheck.reason: expected a non-empty string"),
    ({"healthcheck": "fatal"}, "checks.healthcheck: 'fatal' is not a severity (error, warning, info, or off with a "
                               "reason)"),
    ({"healthcheck": {"level": "error"}}, "checks.healthcheck: unknown key 'level' (keys: severity, reason)"),
    ({"healthcheck": {"reason": "x"}}, "checks.healthcheck: missing `severity`"),
    ({"hadolint/DL30": {"severity": True}}, "checks.hadolint/DL30.severity: True is not a severity (error, warning, "
                                            "info, or off with a reason)"),
])
def test_config_errors_name_the_file_and_key(raw: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_check_settings(raw, source=".ci-optimizer.yml")
    assert caught.value.one_line() == f".ci-optimizer.yml: {message}"


def test_schema_fragment_accepts_and_rejects_like_the_parser() -> None:
    validator = jsonschema.Draft202012Validator(CHECKS_CONFIG_SCHEMA)
    jsonschema.Draft202012Validator.check_schema(CHECKS_CONFIG_SCHEMA)
    good = {"non-root-user": "error", "minimal-base": {"severity": False, "reason": "x"},
            "hadolint/DL3008": {"severity": "off", "reason": "pinned by digest"}, "hadolint": "warning"}
    assert list(validator.iter_errors(good)) == []
    parse_check_settings(good, source="c")
    for bad in ({"healthcheck": "off"}, {"healthcheck": {"severity": "off"}}, {"nope": "error"},
                {"hadolint/XX1": "error"}, {"healthcheck": {"severity": "info", "extra": 1}}):
        assert list(validator.iter_errors(bad)), bad
        with pytest.raises(ConfigError):
            parse_check_settings(bad, source="c")


def test_smoke_outcomes() -> None:
    text = "FROM a\nCMD [\"serve\"]\n"
    config = ImageConfig(cmd=("serve",))

    def smoke(**kw: object) -> SmokeOutcome:
        base: dict[str, object] = {"image": "img", "seconds": 5.0, "running": False}
        return SmokeOutcome(**{**base, **kw})  # type: ignore[arg-type]

    how = "`docker run --read-only --network none`"
    assert check_read_only_smoke(make_inputs(text, config=config)) == ()
    assert passed(check_read_only_smoke(make_inputs(text, config=config, smoke=smoke(running=True)))) == [
        f"stayed up for 5 s under {how}"]
    assert passed(check_read_only_smoke(make_inputs(text, config=config, smoke=smoke(seconds=0.4, exit_code=0)))) == [
        f"exited 0 after 0.4 s under {how}"]
    crashed = smoke(seconds=0.25, exit_code=1, log_tail=("starting", "OSError: [Errno 30] Read-only file system", ""))
    assert failed(check_read_only_smoke(make_inputs(text, config=config, smoke=crashed))) == [(2, (
        f"exited 1 after 0.2 s under {how}; last output: OSError: [Errno 30] Read-only file system; write only to a "
        "volume or tmpfs (e.g. /tmp) and need no network to start"))]
    refused = smoke(seconds=0.0, error="No such image: img")
    assert failed(check_read_only_smoke(make_inputs(text, config=config, smoke=refused))) == [
        (2, f"{how} could not start img: No such image: img")]
    nothing = make_inputs("FROM a\n", config=ImageConfig(), smoke=smoke(error="No command specified"))
    assert passed(check_read_only_smoke(nothing)) == ["nothing to run: the image has no CMD or ENTRYPOINT"]
