"""deprecated-flags: the write-ups' npm and apt spellings, with today's replacement."""

from __future__ import annotations

from ci_optimizer.judge.checks.deprecated import check_deprecated_flags
from tests.unit.checks_support import failed, make_inputs, passed


def test_the_writeups_npm_flags_are_reported_with_their_replacement() -> None:
    text = ("FROM node:18 AS builder\nWORKDIR /app\nCOPY package*.json ./\n"
            "RUN npm ci --only=production\n"
            "RUN npm install --production && npm install --also=dev --no-optional\n"
            "FROM gcr.io/distroless/nodejs18-debian12\nCOPY --from=builder /app /app\n")
    assert failed(check_deprecated_flags(make_inputs(text))) == [
        (4, "`--only=production` at line 4 is deprecated: use `--omit=dev`"),
        (5, "`--production` at line 5 is deprecated: use `--omit=dev`"),
        (5, "`--also=dev` at line 5 is deprecated: use `--include=dev`"),
        (5, "`--no-optional` at line 5 is deprecated: use `--omit=optional`"),
    ]


def test_apt_key_is_reported() -> None:
    text = "FROM debian:12\nRUN curl -fsSL https://example.com/k.asc | apt-key add - && apt-get update\n"
    assert failed(check_deprecated_flags(make_inputs(text))) == [
        (2, "`apt-key add` at line 2 is deprecated: use a keyring in /etc/apt/keyrings named by `signed-by=` "
            "in the source"),
    ]


def test_current_spellings_pass() -> None:
    text = ("FROM node:18\nRUN npm ci --omit=dev && npm install --include=dev && yarn install --production\n"
            "RUN npm ls --omit=optional\n")
    assert passed(check_deprecated_flags(make_inputs(text))) == ["no deprecated package-manager flags"]
