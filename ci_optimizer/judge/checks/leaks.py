"""no-secrets and no-key-files: credentials written into the Dockerfile or shipped in a layer. Pure.

A value is never echoed: messages name the variable or the path and say where it leaks.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence

from ci_optimizer.dockerfile.stages import Instruction
from ci_optimizer.judge.checks.inputs import CheckInputs, Finding, normalise_path

_SECRET_WORDS = frozenset({"TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASS", "APIKEY", "CREDENTIAL", "CREDENTIALS",
                           "PRIVATE"})
# A name ending in one of these holds a reference to a secret, or something about it, not the secret.
_NOT_SECRET_SUFFIXES = frozenset({"FILE", "PATH", "DIR", "NAME", "URL", "URI", "ID", "HOST", "PORT", "USER", "USERNAME",
                                  "LENGTH", "ENABLED", "TYPE", "HEADER", "METHOD", "ENDPOINT", "VERSION", "TTL",
                                  "EXPIRY", "TIMEOUT", "REGION", "MODE", "PREFIX"})
_PUBLIC_KEYS = frozenset({"GPG", "PUBLIC", "PUB", "PGP"})
_HARMLESS = frozenset({"true", "false", "yes", "no", "on", "off", "0", "1", "none", "null", "-"})
# Formats that are credentials whatever the variable is called.
_TOKEN_FORMATS = (
    ("an AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("an npm token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("a Stripe live key", re.compile(r"\b[sr]k_live_[0-9a-zA-Z]{20,}")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a URL with a password", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:(?!\$)[^/\s@]+@")),
)


def secret_name(name: str) -> bool:
    """TOKEN, *_SECRET*, *PASSWORD*, *_KEY (not GPG_KEY / PUBLIC_KEY), not *_FILE or *_URL."""
    words = [w.upper() for w in re.split(r"[_\-.]+|(?<=[a-z])(?=[A-Z])", name) if w]
    if not words or words[-1] in _NOT_SECRET_SUFFIXES:
        return False
    if words[-1] == "KEY" and len(words) > 1 and words[-2] not in _PUBLIC_KEYS:
        return True
    if words == ["PWD"]:
        return False  # the shell's working directory
    return bool(_SECRET_WORDS.intersection(words)) or (len(words) > 1 and words[-1] == "PWD")


def literal(value: str) -> str | None:
    """The value when it is written out (not `$VAR`, not empty, not a flag word)."""
    text = value.strip().strip("\"'")
    if not text or "$" in text or text.lower() in _HARMLESS:
        return None
    return text


def _leak(name: str, value: str) -> str | None:
    """Why `name=value` looks like a credential, or None."""
    text = literal(value)
    if text is None:
        return None
    for what, pattern in _TOKEN_FORMATS:
        if pattern.search(text):
            return f"holds what looks like {what}"
    return "has a literal value" if secret_name(name) else None


def check_no_secrets(inputs: CheckInputs) -> Sequence[Finding]:
    findings: list[Finding] = []
    chain = {s.index for s in inputs.chain}
    for stage in inputs.model.stages:
        for ins in stage.instructions:
            for name, value in _assignments(ins):
                why = _leak(name, value)
                if why is None:
                    continue
                findings.append(Finding(passed=False, line=ins.line,
                                        message=_message(ins, name, why, in_production=stage.index in chain)))
    findings += _global_args(inputs)
    findings += _passed_build_args(inputs)
    return tuple(findings) or (Finding(passed=True, message="no secret-looking ENV or ARG values"),)


def _assignments(ins: Instruction) -> Iterable[tuple[str, str]]:
    if ins.keyword == "ENV":
        return zip(ins.value[::2], ins.value[1::2], strict=False)
    if ins.keyword == "ARG":
        return ((n, v) for n, eq, v in (item.partition("=") for item in ins.value) if eq)
    return ()


def _message(ins: Instruction, name: str, why: str, *, in_production: bool) -> str:
    if ins.keyword == "ENV" and in_production:
        where = "it is stored in the image config, where anyone with the image reads it; pass it at run time"
    elif ins.keyword == "ENV":
        where = "it is in the Dockerfile and the build cache; use `RUN --mount=type=secret`"
    else:
        where = "it is in the Dockerfile and in the history of images that use it; use `RUN --mount=type=secret`"
    return f"{ins.keyword} {name} at line {ins.line} {why}: {where}"


def _global_args(inputs: CheckInputs) -> list[Finding]:
    found = []
    for name, value in inputs.model.global_args.items():
        if value is None or inputs.build_args.get(name) == value:
            continue  # passed at build time, not written in the file (see _passed_build_args)
        why = _leak(name, value)
        if why is not None:
            found.append(Finding(passed=False, message=f"global ARG {name} {why}: it is in the Dockerfile; use "
                                                       "`RUN --mount=type=secret`"))
    return found


def _passed_build_args(inputs: CheckInputs) -> list[Finding]:
    """A secret passed with --build-arg to an ARG production declares ends up in `docker history`."""
    found = []
    for ins in inputs.chain_instructions:
        if ins.keyword != "ARG":
            continue
        for item in ins.value:
            name = item.partition("=")[0]
            if secret_name(name) and literal(inputs.build_args.get(name, "")):
                found.append(Finding(
                    passed=False, line=ins.line,
                    message=f"build arg {name} is passed to ARG {name} (line {ins.line}) in production's stages: "
                            "BuildKit records its value in the image history; use `RUN --mount=type=secret`",
                ))
    return found


_KEY_FILE = re.compile(
    r"^(?:id_(?:rsa|dsa|ecdsa|ed25519)|\.env|\.env\.(?!example$|sample$|template$|dist$|defaults$)[\w.-]+"
    r"|.+\.(?:pem|key|p12|pfx|jks|keystore)|\.netrc|\.git-credentials|\.pypirc|\.npmrc)$"
)
_PUBLIC_DIRS = ("/etc/ssl/certs/", "/usr/share/ca-certificates/", "/usr/local/share/ca-certificates/",
                "/etc/pki/", "/etc/ca-certificates/", "/usr/lib/ssl/certs/", "/usr/share/doc/")
_SAMPLE_DIRS = frozenset({"test", "tests", "testdata", "testing", "fixtures", "__tests__", "spec", "examples",
                          "example", "samples", "certifi", "_vendor"})
_CA_BUNDLES = frozenset({"cacert.pem", "ca-bundle.pem", "ca-certificates.pem", "tls-ca-bundle.pem", "ca.pem"})
# OpenSSL's default CA file (OPENSSLDIR/cert.pem) on Debian, Alpine, RHEL and source builds: public.
_PUBLIC_FILES = frozenset({"/usr/lib/ssl/cert.pem", "/etc/ssl/cert.pem", "/usr/local/ssl/cert.pem",
                           "/etc/pki/tls/cert.pem"})


def key_file(path: str) -> bool:
    """A private key or credentials file by its name; CA bundles and packages' test data are not."""
    name = posixpath.basename(path)
    if not _KEY_FILE.match(name) or name in _CA_BUNDLES or path in _PUBLIC_FILES or path.startswith(_PUBLIC_DIRS):
        return False
    return not _SAMPLE_DIRS.intersection(path.split("/"))


def check_no_key_files(inputs: CheckInputs) -> Sequence[Finding]:
    hits: dict[tuple[int | None, str], list[str]] = {}
    files = inputs.files or {}
    if inputs.layer_files is not None:
        scope = "in the image's layers"
        base = (inputs.chain[0].line, f" (from the base image {inputs.chain[0].base})")
        for layer in inputs.layer_files:
            where = base if layer.from_base else (layer.line, f" (line {layer.line})" if layer.line else "")
            for raw in layer.paths:
                path = normalise_path(raw)
                if key_file(path):
                    gone = inputs.files is not None and path not in files
                    hits.setdefault(where, []).append(f"{path} (deleted later, still in the layer)" if gone else path)
    elif inputs.files is not None:
        scope = "in the final image (its layers were not listed one by one)"
        hits[(None, "")] = [path for path in files if key_file(path)]
    else:
        scope = "copied by production's stages (from the Dockerfile: the image's files were not analysed)"
        for ins in inputs.chain_instructions:
            if ins.keyword in ("COPY", "ADD") and not ins.flag("from"):
                named = [s for s in ins.value[:-1] if key_file(normalise_path(s))]
                if named:
                    hits.setdefault((ins.line, f" (line {ins.line})"), []).extend(named)
    hits = {key: paths for key, paths in hits.items() if paths}
    if not hits:
        return (Finding(passed=True, message=f"no key or credentials files {scope}"),)
    return tuple(
        Finding(passed=False, line=line,
                message=f"key or credentials files {scope}{label}: {_some(paths)}; keep them out of the build "
                        "context (.dockerignore) and pass secrets with `RUN --mount=type=secret`")
        for (line, label), paths in sorted(hits.items(), key=lambda item: item[0][0] or 0)
    )


def _some(paths: list[str], limit: int = 5) -> str:
    unique = sorted(set(paths))
    more = f" and {len(unique) - limit} more" if len(unique) > limit else ""
    return ", ".join(unique[:limit]) + more
