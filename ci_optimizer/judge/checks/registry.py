"""The checklist: every check with its default severity, and `run_checks`. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from ci_optimizer.judge.checks.check_settings import CheckSettings
from ci_optimizer.judge.checks.deprecated import check_deprecated_flags
from ci_optimizer.judge.checks.devdeps import check_no_dev_dependencies
from ci_optimizer.judge.checks.dockerignore import check_dockerignore
from ci_optimizer.judge.checks.hadolint_rules import hadolint_findings
from ci_optimizer.judge.checks.inputs import Check, CheckInputs, Finding, Severity
from ci_optimizer.judge.checks.leaks import check_no_key_files, check_no_secrets
from ci_optimizer.judge.checks.minimal_base import check_minimal_base
from ci_optimizer.judge.checks.multistage import check_multi_stage
from ci_optimizer.judge.checks.read_only import check_read_only_smoke
from ci_optimizer.judge.checks.runtime import check_healthcheck, check_non_root, check_oci_labels
from ci_optimizer.judge.checks.tools import (
    check_no_build_tools,
    check_no_package_caches,
    check_no_package_manager,
    check_no_shell,
)
from ci_optimizer.model.results import CheckResult

CHECKS: tuple[Check, ...] = (
    Check(id="multi-stage", title="Production does not inherit the builder's toolchain", severity="warning",
          rule=check_multi_stage, tags=("size", "security"),
          help="Build in one stage and start production from a runtime base, copying only the artifacts with "
               "`COPY --from=builder`: compilers, headers and sources stay out of the shipped image."),
    Check(id="non-root-user", title="Production runs as a non-root user", severity="warning", rule=check_non_root,
          tags=("security",),
          help="A process running as root in the container is root on the host's kernel if it escapes. Set "
               "`USER <uid>` in the production stage after the steps that need root."),
    Check(id="minimal-base", title="Production starts from a minimal base", severity="warning",
          rule=check_minimal_base, tags=("size",),
          help="Full distribution images carry compilers, headers and tools a service does not run. A slim, "
               "alpine or distroless sibling of the same runtime is often hundreds of megabytes smaller."),
    Check(id="no-shell", title="No shell in production unless something needs it", severity="info",
          rule=check_no_shell, tags=("security",),
          help="Without a shell an intruder has little to work with. Exec-form CMD, ENTRYPOINT and HEALTHCHECK "
               "do not need one, and distroless or scratch bases ship none."),
    Check(id="no-package-manager", title="No package manager in production", severity="info",
          rule=check_no_package_manager, tags=("security", "size"),
          help="Install packages in a build stage and copy the result; a package manager left in production lets "
               "anyone add tools to a running container."),
    Check(id="no-build-tools", title="No compiler, build tool or VCS client in production", severity="warning",
          rule=check_no_build_tools, tags=("security", "size"),
          help="gcc, make, git and friends belong to the builder stage: compile there and copy only the artifacts."),
    Check(id="no-package-caches", title="No package manager caches in production", severity="warning",
          rule=check_no_package_caches, tags=("size",),
          help="apt lists, apk, pip and npm caches are dead weight: clean them in the RUN that fills them, pass "
               "--no-cache flags, or use `RUN --mount=type=cache`."),
    Check(id="healthcheck", title="HEALTHCHECK defined", severity="info", rule=check_healthcheck,
          tags=("reliability",),
          help="A HEALTHCHECK lets the engine and orchestrators restart a container that is running but not "
               "working. Its command must exist in the image."),
    Check(id="oci-labels", title="OCI labels: source, revision, version", severity="info", rule=check_oci_labels,
          tags=("metadata",),
          help="org.opencontainers.image.source, .revision and .version link an image in a registry back to its "
               "repository and commit."),
    Check(id="dockerignore", title=".dockerignore excludes .git and heavy directories", severity="warning",
          rule=check_dockerignore, tags=("size", "speed"),
          help="Everything the context holds is sent to the builder and `COPY . .` puts it in the image; .git also "
               "changes on every commit and so defeats the layer cache."),
    Check(id="no-dev-dependencies", title="No dev dependencies in production", severity="warning",
          rule=check_no_dev_dependencies, tags=("size", "security"),
          help="Install production dependencies only (`npm ci --omit=dev`, `poetry install --only main`, runtime "
               "requirements files), or prune before copying node_modules or a virtualenv from the builder."),
    Check(id="deprecated-flags", title="No deprecated package-manager flags", severity="warning",
          rule=check_deprecated_flags, tags=("maintainability",),
          help="Flags the tools have deprecated keep working until they do not: `npm ci --only=production` and "
               "`--production` are `--omit=dev` since npm 7, `apt-key add` is a keyring named by `signed-by=`."),
    Check(id="no-secrets", title="No secret values in ENV or ARG", severity="error", rule=check_no_secrets,
          tags=("security",),
          help="ENV values live in the image config and build args in the image history, both readable by anyone "
               "with the image. Pass secrets with `RUN --mount=type=secret` at build time and the environment at "
               "run time."),
    Check(id="no-key-files", title="No private keys or credentials files in any layer", severity="error",
          rule=check_no_key_files, tags=("security",),
          help="A key file in any layer ships with the image even if a later layer deletes it. Keep keys out of "
               "the build context and use secret mounts."),
    Check(id="read-only-smoke", title="Starts with a read-only filesystem and no network", severity="warning",
          rule=check_read_only_smoke, tags=("reliability", "security"),
          help="Run with --smoke: production is started with `--read-only --network none` (a tmpfs on /tmp) for a "
               "few seconds and must stay up or exit 0."),
)
HADOLINT = "hadolint"
CHECK_IDS: tuple[str, ...] = (*(c.id for c in CHECKS), HADOLINT)


def run_checks(inputs: CheckInputs, settings: CheckSettings | None = None) -> tuple[CheckResult, ...]:
    """Every check on the production target, then hadolint's findings; severities as configured.

    A check turned off still leaves one passed `info` result carrying the config's reason, so a
    reviewer sees what was waived and why.
    """
    settings = settings or CheckSettings()
    results: list[CheckResult] = []
    for check in CHECKS:
        level = settings.severity(check.id, check.severity)
        if level == "off":
            results.append(_off(check.id, inputs, settings))
        else:
            results += _results(check.id, inputs.target, level, check.rule(inputs), inputs)
    if inputs.hadolint is not None and settings.severity(HADOLINT, "info") == "off":
        return (*results, _off(HADOLINT, inputs, settings))
    waived: set[str] = set()
    for check_id, target, default, finding in hadolint_findings(inputs):
        level = settings.severity(check_id, default) if check_id != HADOLINT else default
        if level != "off":
            results += _results(check_id, target, level, (finding,), inputs)
        elif check_id not in waived:
            waived.add(check_id)
            results.append(_off(check_id, inputs, settings))
    return tuple(results)


def _results(
    check_id: str, target: str, severity: Severity, findings: Iterable[Finding], inputs: CheckInputs
) -> list[CheckResult]:
    return [
        CheckResult(id=check_id, target=target, severity=severity, passed=f.passed, message=f.message,
                    file=f.file or inputs.model.path, line=f.line)
        for f in findings
    ]


def _off(check_id: str, inputs: CheckInputs, settings: CheckSettings) -> CheckResult:
    setting = settings.get(check_id) or settings.get(HADOLINT)
    reason = setting.reason if setting is not None and setting.reason else "no reason given"
    return CheckResult(id=check_id, target=inputs.target, severity="info", passed=True,
                       message=f"off in the config: {reason}", file=inputs.model.path)
