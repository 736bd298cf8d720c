"""How production runs: non-root-user, healthcheck and oci-labels. Pure.

The image config is the truth (a base image can set USER or HEALTHCHECK, a `USER $UID` is only
known once built); the Dockerfile is the fallback when production was not built.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence

from ci_optimizer.dockerfile.stages import Instruction
from ci_optimizer.judge.checks.inputs import CheckInputs, Finding

ROOT_NAMES = frozenset({"", "0", "root"})
OCI_LABELS = (
    "org.opencontainers.image.source", "org.opencontainers.image.revision", "org.opencontainers.image.version",
)
PATH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
SHELLS = ("/bin/sh", "/usr/bin/sh")


def is_root(user: str) -> bool:
    """`0`, `root`, `0:0`, `root:1000` and an empty user all run as uid 0."""
    return user.strip().partition(":")[0].strip() in ROOT_NAMES


def check_non_root(inputs: CheckInputs) -> Sequence[Finding]:
    user_ins = inputs.last_in_chain("USER")
    anchor = user_ins.line if user_ins is not None else inputs.stage.line
    built = inputs.built
    if built is not None and built.config is not None:
        user, source = built.config.user, "image config"
    else:
        user = user_ins.value[0] if user_ins is not None else ""
        source = "Dockerfile; production was not built"
    if not is_root(user):
        return (Finding(passed=True, line=user_ins.line if user_ins else None,
                        message=f"runs as user {user!r} ({source})"),)
    last = "no USER instruction" if user_ins is None else f"the last USER is line {user_ins.line}"
    return (Finding(
        passed=False, line=anchor,
        message=f"runs as root (user {user!r}, {source}; {last}); add `USER <uid>` (for example "
                "`USER 65532`) after the steps that need root",
    ),)


def check_healthcheck(inputs: CheckInputs) -> Sequence[Finding]:
    ins = inputs.last_in_chain("HEALTHCHECK")
    built = inputs.built
    if built is not None and built.config is not None:
        test = built.config.healthcheck
        source = "in the image config"
    else:
        test = _test_from(ins) if ins is not None else None
        source = "in the Dockerfile; production was not built"
    line = ins.line if ins is not None else inputs.stage.line
    if not test or test[0] == "NONE":
        why = "disabled by HEALTHCHECK NONE" if test else "none"
        return (Finding(
            passed=False, line=line,
            message=f"no HEALTHCHECK ({why} {source}): the engine cannot tell a hung container from a working one; "
                    "add e.g. `HEALTHCHECK CMD [\"/app/healthcheck\"]`",
        ),)
    inherited = " (inherited from the base image)" if ins is None else ""
    missing = _missing_program(test, inputs.files)
    if missing:
        return (Finding(
            passed=False, line=line,
            message=f"HEALTHCHECK runs {missing}, which is not in the image: the container will always be "
                    "unhealthy; use a program the image has, or a small health binary",
        ),)
    return (Finding(passed=True, line=ins.line if ins else None, message=f"HEALTHCHECK defined{inherited}"),)


def _test_from(ins: Instruction) -> tuple[str, ...]:
    """HEALTHCHECK in the config's form: ('CMD-SHELL', 'curl ...'), ('CMD', 'a', 'b') or ('NONE',)."""
    words = ins.value
    if not words or words[0].upper() == "NONE":
        return ("NONE",)
    rest = words[1:]
    return ("CMD", *rest) if ins.json_form else ("CMD-SHELL", " ".join(rest))


def _missing_program(test: tuple[str, ...], files: Mapping[str, int] | None) -> str | None:
    if files is None or len(test) < 2:
        return None
    if test[0] == "CMD-SHELL":
        if not any(sh in files or _usrmerged(sh) in files for sh in SHELLS):
            return "/bin/sh (a shell-form HEALTHCHECK)"
        program = test[1].split()[0] if test[1].split() else ""
    else:
        program = test[1]
    if not program or "$" in program or program in _SHELL_BUILTINS:
        return None
    candidates = (program,) if program.startswith("/") else tuple(posixpath.join(d, program) for d in PATH_DIRS)
    if any(c in files or _usrmerged(c) in files for c in candidates):
        return None
    return f"`{program}`"


def _usrmerged(path: str) -> str:
    """Where a merged-/usr image (Debian 12, Ubuntu, Fedora) keeps `/bin/x`: /bin is a link to usr/bin."""
    for top in ("/bin/", "/sbin/", "/lib/"):
        if path.startswith(top):
            return "/usr" + path
    return path


_SHELL_BUILTINS = frozenset({"exit", "test", "[", "true", "false", "echo", "cd", "kill", "printf"})


def check_oci_labels(inputs: CheckInputs) -> Sequence[Finding]:
    built = inputs.built
    label_ins = inputs.last_in_chain("LABEL")
    if built is not None and built.config is not None:
        labels = dict(built.config.labels)
        source = "image config"
    else:
        labels = _labels_from(inputs)
        source = "Dockerfile"
    missing = [name.rsplit(".", 1)[-1] for name in OCI_LABELS if name not in labels]
    empty = [name.rsplit(".", 1)[-1] for name in OCI_LABELS if name in labels and not labels[name].strip()]
    line = label_ins.line if label_ins is not None else inputs.stage.line
    if not missing and not empty:
        return (Finding(passed=True, line=line, message=f"OCI labels source, revision and version set ({source})"),)
    problems = [f"missing {', '.join(missing)}"] if missing else []
    problems += [f"empty {', '.join(empty)} (build arg not passed?)"] if empty else []
    return (Finding(
        passed=False, line=line,
        message=f"OCI labels ({source}): {'; '.join(problems)}; set them from build args "
                "(`ARG VERSION` + `LABEL org.opencontainers.image.version=$VERSION`) so a registry links the image "
                "to its source and commit",
    ),)


def _labels_from(inputs: CheckInputs) -> dict[str, str]:
    labels: dict[str, str] = {}
    for ins in inputs.chain_instructions:
        if ins.keyword == "LABEL":
            pairs = ins.value
            for i in range(0, len(pairs) - 1, 2):
                labels[pairs[i].strip("\"'")] = pairs[i + 1].strip("\"'")
    return labels
