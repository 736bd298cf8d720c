from __future__ import annotations

import pytest

from ci_optimizer.judge.checks.inputs import LayerFiles
from ci_optimizer.judge.checks.leaks import check_no_key_files, check_no_secrets, key_file, secret_name
from ci_optimizer.model.image_model import ImageConfig
from tests.unit.checks_support import failed, make_inputs, passed

IN_CONFIG = "it is stored in the image config, where anyone with the image reads it; pass it at run time"
IN_HISTORY = "it is in the Dockerfile and in the history of images that use it; use `RUN --mount=type=secret`"
KEY_FIX = "keep them out of the build context (.dockerignore) and pass secrets with `RUN --mount=type=secret`"


@pytest.mark.parametrize(("name", "secret"), [
    ("API_TOKEN", True), ("GITHUB_TOKEN", True), ("DB_PASSWORD", True), ("dbPassword", True), ("DB_PASS", True),
    ("DB_PWD", True), ("SECRET_KEY_BASE", True), ("AWS_SECRET_ACCESS_KEY", True), ("STRIPE_KEY", True),
    ("PRIVATE_KEY", True), ("client-secret", True),
    ("PWD", False), ("GPG_KEY", False), ("PUBLIC_KEY", False), ("PASSWORD_FILE", False), ("TOKEN_URL", False),
    ("AWS_ACCESS_KEY_ID", False), ("SECRET_NAME", False), ("PATH", False), ("KEY", False), ("PASSENGER_PORT", False),
])
def test_secret_names(name: str, secret: bool) -> None:
    assert secret_name(name) is secret


def test_literal_secret_values_are_reported_without_the_value() -> None:
    text = (
        "ARG NPM_TOKEN=npm_abcdefghijklmnopqrstuvwxyz0123456789\n"
        "FROM node:20 AS builder\nARG GITHUB_TOKEN=ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
        "FROM node:20-slim\nENV DB_PASSWORD=\"hunter2\" MODE=prod\n"
        "ENV DATABASE_URL=postgres://app:s3cret@db:5432/app\nENV API_TOKEN=$API_TOKEN GPG_KEY=A035C8C19219BA821E\n"
    )
    findings = check_no_secrets(make_inputs(text))
    assert failed(findings) == [
        (3, f"ARG GITHUB_TOKEN at line 3 holds what looks like a GitHub token: {IN_HISTORY}"),
        (5, f"ENV DB_PASSWORD at line 5 has a literal value: {IN_CONFIG}"),
        (6, f"ENV DATABASE_URL at line 6 holds what looks like a URL with a password: {IN_CONFIG}"),
        (None, "global ARG NPM_TOKEN holds what looks like an npm token: it is in the Dockerfile; use "
               "`RUN --mount=type=secret`"),
    ]
    for secret in ("npm_abcdef", "ghp_aaaa", "hunter2", "s3cret"):
        assert all(secret not in f.message for f in findings)


def test_env_outside_production_lives_in_the_build_cache() -> None:
    text = "FROM a AS builder\nENV TOKEN abc123\nFROM b\nCOPY --from=builder /x /x\n"
    assert failed(check_no_secrets(make_inputs(text))) == [
        (2, "ENV TOKEN at line 2 has a literal value: it is in the Dockerfile and the build cache; use "
            "`RUN --mount=type=secret`")]


def test_build_arg_passed_to_production_is_recorded_in_history() -> None:
    text = "ARG BASE=a\nFROM $BASE\nARG NPM_TOKEN\nRUN npm ci\n"
    inputs = make_inputs(text, build_args={"NPM_TOKEN": "abc", "BASE": "b"})
    assert failed(check_no_secrets(inputs)) == [
        (3, "build arg NPM_TOKEN is passed to ARG NPM_TOKEN (line 3) in production's stages: BuildKit records its "
            "value in the image history; use `RUN --mount=type=secret`")]


def test_references_and_flags_pass() -> None:
    text = "FROM a\nARG TOKEN\nENV TOKEN=${TOKEN} PASSWORD_FILE=/run/secrets/db USE_TOKEN=true API_KEY=\"\"\n"
    assert passed(check_no_secrets(make_inputs(text))) == ["no secret-looking ENV or ARG values"]


@pytest.mark.parametrize(("path", "is_key"), [
    ("/root/.ssh/id_rsa", True), ("/root/.ssh/id_ed25519", True), ("/root/.ssh/id_rsa.pub", False),
    ("/app/.env", True), ("/app/.env.production", True), ("/app/.env.example", False),
    ("/app/certs/server.key", True), ("/app/tls.pem", True), ("/etc/ssl/certs/ca-certificates.crt", False),
    ("/etc/ssl/certs/ISRG_Root_X1.pem", False), ("/usr/local/lib/python3.12/site-packages/certifi/cacert.pem", False),
    ("/usr/local/lib/python3.12/site-packages/tornado/test/test.key", False), ("/root/.netrc", True),
    ("/home/app/.git-credentials", True), ("/app/keystore.jks", True), ("/app/keys.py", False),
    # OpenSSL's default CA file, shipped by python:3.11-slim and every Debian with openssl
    ("/usr/lib/ssl/cert.pem", False), ("/etc/ssl/cert.pem", False), ("/app/ssl/cert.pem", True),
])
def test_key_file(path: str, is_key: bool) -> None:
    assert key_file(path) is is_key


def test_key_files_in_any_layer_including_deleted_ones() -> None:
    text = ("FROM debian:bookworm-slim\nCOPY id_rsa /root/.ssh/id_rsa\nRUN git clone x && rm /root/.ssh/id_rsa\n"
            "COPY . /app\n")
    layers = [
        LayerFiles(paths=frozenset({"etc/ssl/private/ssl-cert-snakeoil.key"}), from_base=True),
        LayerFiles(paths=frozenset({"root/.ssh/id_rsa"}), line=2),
        LayerFiles(paths=frozenset({"root/.ssh/.wh.id_rsa", "app/x"}), line=3),
        LayerFiles(paths=frozenset({"app/.env", "app/main.py"}), line=4),
    ]
    files = {"/etc/ssl/private/ssl-cert-snakeoil.key": 1700, "/app/.env": 80, "/app/main.py": 10, "/app/x": 1}
    inputs = make_inputs(text, config=ImageConfig(), files=files, layers=layers)
    assert failed(check_no_key_files(inputs)) == [
        (1, "key or credentials files in the image's layers (from the base image debian:bookworm-slim): "
            f"/etc/ssl/private/ssl-cert-snakeoil.key; {KEY_FIX}"),
        (2, "key or credentials files in the image's layers (line 2): /root/.ssh/id_rsa (deleted later, still in the "
            f"layer); {KEY_FIX}"),
        (4, f"key or credentials files in the image's layers (line 4): /app/.env; {KEY_FIX}"),
    ]


def test_key_files_in_the_final_image_only() -> None:
    inputs = make_inputs("FROM a\n", config=ImageConfig(), files={"app/.env": 5, "app/a.py": 1})
    assert failed(check_no_key_files(inputs)) == [
        (None, f"key or credentials files in the final image (its layers were not listed one by one): /app/.env; "
               f"{KEY_FIX}")]


def test_key_files_from_the_dockerfile_only() -> None:
    text = "FROM a AS b\nCOPY id_rsa /k\nFROM c\nCOPY --from=b /k /k\nCOPY .env server.pem ./\nCOPY app.py ./\n"
    assert failed(check_no_key_files(make_inputs(text))) == [
        (5, "key or credentials files copied by production's stages (from the Dockerfile: the image's files were not "
            f"analysed) (line 5): .env, server.pem; {KEY_FIX}")]
    assert passed(check_no_key_files(make_inputs("FROM a\nCOPY app.py /\n"))) == [
        "no key or credentials files copied by production's stages (from the Dockerfile: the image's files were not "
        "analysed)"]
