from __future__ import annotations

import pytest

from ci_optimizer.judge.checks.base_images import FAMILIES
from ci_optimizer.judge.checks.minimal_base import (
    ImageRef,
    check_minimal_base,
    classify,
    family_of,
    parse_ref,
    sibling_ref,
)
from ci_optimizer.judge.checks.multistage import check_multi_stage
from ci_optimizer.model.image_model import ImageConfig
from tests.unit.checks_support import failed, make_inputs, passed


def test_parse_ref() -> None:
    assert parse_ref("python:3.11") == ImageRef(registry=None, path="python", tag="3.11")
    assert parse_ref("docker.io/library/node:20@sha256:ab") == ImageRef(
        registry=None, path="node", tag="20", digest="sha256:ab")
    assert parse_ref("localhost:5000/team/app") == ImageRef(registry="localhost:5000", path="team/app", tag="")
    assert parse_ref("gcr.io/distroless/static-debian12:nonroot") == ImageRef(
        registry="gcr.io", path="distroless/static-debian12", tag="nonroot")


@pytest.mark.parametrize(("ref", "kind"), [
    ("scratch", "scratch"),
    ("gcr.io/distroless/python3-debian12", "distroless"),
    ("cgr.dev/chainguard/node:latest", "distroless"),
    ("mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled", "distroless"),
    ("registry.access.redhat.com/ubi9/ubi-micro", "distroless"),
    ("python:3.12-alpine3.19", "alpine"),
    ("alpine:3.19", "alpine"),
    ("local/busybox:1", "alpine"),
    ("python:3.12-slim-bookworm", "slim"),
    ("node:20-bookworm-slim", "slim"),
    ("registry.access.redhat.com/ubi9/ubi-minimal", "slim"),
    ("python:3.12", "full"),
    ("public.ecr.aws/docker/library/golang:1.22", "full"),
    ("ubuntu:24.04", "full"),
    ("local/debian:bookworm", "full"),
    ("mycorp/base:7", "unknown"),
])
def test_classify(ref: str, kind: str) -> None:
    assert classify(parse_ref(ref)) == kind


@pytest.mark.parametrize(("ref", "sibling"), [
    ("python:3.11", "python:3.11-slim"),
    ("python:3.11-bookworm", "python:3.11-slim-bookworm"),
    ("python", "python:slim"),
    ("python:latest", "python:slim"),
    ("node:20", "node:20-slim"),
    ("node:20.11-bookworm", "node:20.11-bookworm-slim"),
    ("ruby:3.3-bookworm", "ruby:3.3-slim-bookworm"),
    ("debian:bookworm", "debian:bookworm-slim"),
    ("debian:12", "debian:12-slim"),
    ("debian", "debian:stable-slim"),
    ("golang:1.22", "gcr.io/distroless/static-debian12"),
    ("rust:1.77-bookworm", "gcr.io/distroless/cc-debian12"),
    ("eclipse-temurin:21-jdk-jammy", "eclipse-temurin:21-jre-jammy"),
    ("eclipse-temurin:21", "eclipse-temurin:21-jre"),
    ("openjdk:17", "eclipse-temurin:17-jre"),
    ("maven:3.9-eclipse-temurin-21", "eclipse-temurin:21-jre"),
    ("mcr.microsoft.com/dotnet/sdk:8.0", "mcr.microsoft.com/dotnet/aspnet:8.0"),
    ("ghcr.io/mirror/python:3.12", "ghcr.io/mirror/python:3.12-slim"),
])
def test_first_sibling(ref: str, sibling: str) -> None:
    parsed = parse_ref(ref)
    family = family_of(parsed)
    assert family is not None
    assert sibling_ref(parsed, family.siblings[0]) == sibling


def test_alpine_sibling() -> None:
    node = next(f for f in FAMILIES if "node" in f.names)
    assert sibling_ref(parse_ref("node:20"), node.siblings[1]) == "node:20-alpine"


def test_full_python_base_suggests_slim_with_the_typical_saving() -> None:
    text = "FROM python:3.11 AS builder\nFROM python:3.11\nCOPY --from=builder /a /a\n"
    findings = check_minimal_base(make_inputs(text))
    assert failed(findings) == [(2, (
        "python:3.11 is a full Debian image with compilers, headers and git (typically 1.02 GB): python:3.11-slim is "
        "typically about 130 MB, about 890 MB smaller; it has no compiler: build wheels or native modules in the "
        "builder stage and copy them in"))]


def test_measured_base_size_is_used() -> None:
    findings = check_minimal_base(make_inputs("FROM node:20\n", config=ImageConfig(), base_bytes=1_097_000_000))
    assert failed(findings) == [(1, (
        "node:20 is a full Debian image with compilers, python and git (1.1 GB measured): node:20-slim is typically "
        "about 200 MB, about 897 MB smaller; it has no compiler: build wheels or native modules in the builder stage "
        "and copy them in"))]


def test_root_base_of_a_stage_chain_is_judged() -> None:
    findings = check_minimal_base(make_inputs("ARG BASE=golang:1.22\nFROM $BASE AS base\nFROM base AS app\n"))
    assert failed(findings) == [(2, (
        "golang:1.22 is the Go toolchain (typically 815 MB): gcr.io/distroless/static-debian12 is typically about "
        "2 MB, about 813 MB smaller; for a static binary (CGO_ENABLED=0); gcr.io/distroless/base-debian12 (~20 MB) "
        "if it links libc, or scratch"))]


def test_build_arg_changes_the_judged_base() -> None:
    text = "ARG BASE=python:3.12\nFROM $BASE\n"
    assert passed(check_minimal_base(make_inputs(text, build_args={"BASE": "local/busybox:1"}))) == [
        "local/busybox:1 is a minimal musl/busybox base"]


@pytest.mark.parametrize(("base", "message"), [
    ("python:3.12-slim", "python:3.12-slim is a slim base"),
    ("scratch", "scratch is an empty base (scratch)"),
    ("gcr.io/distroless/static-debian12", "gcr.io/distroless/static-debian12 is a distroless base (no shell, no "
                                          "package manager)"),
    ("ubuntu:24.04", "ubuntu:24.04 is a full distribution; no smaller sibling worth the change is known"),
    ("mycorp/base:7", "mycorp/base:7 is a base this check does not know"),
])
def test_minimal_bases_pass(base: str, message: str) -> None:
    assert passed(check_minimal_base(make_inputs(f"FROM {base}\n"))) == [message]


def test_small_saving_is_not_suggested() -> None:
    # debian measured at 80 MB: the slim sibling (~75 MB) is not worth a change.
    findings = check_minimal_base(make_inputs("FROM debian:bookworm\n", config=ImageConfig(), base_bytes=80_000_000))
    assert passed(findings) == [
        "debian:bookworm is a full distribution (80 MB measured); no smaller sibling worth the change is known"]


def test_production_built_from_the_builder_fails_on_its_from_line() -> None:
    text = ("FROM python:3.12 AS builder\nRUN pip wheel .\nFROM builder AS tester\nRUN pytest\n"
            "FROM builder AS production\nCMD [\"app\"]\n")
    assert failed(check_multi_stage(make_inputs(text))) == [(5, (
        "production is built FROM builder (line 5) and so ships everything that stage installed, toolchain included; "
        "start it from a runtime base and `COPY --from=builder` only the artifacts"))]


def test_inheritance_through_an_intermediate_stage_points_at_the_stage_that_inherits() -> None:
    text = "FROM golang:1.22 AS build\nFROM build AS assets\nRUN make\nFROM assets AS production\n"
    assert failed(check_multi_stage(make_inputs(text))) == [(2, (
        "assets is built FROM build (line 2) and so ships everything that stage installed, toolchain included; start "
        "it from a runtime base and `COPY --from=build` only the artifacts"))]


def test_single_stage_on_a_toolchain_fails() -> None:
    assert failed(check_multi_stage(make_inputs("FROM golang:1.22\nRUN go build -o /app .\n"))) == [(1, (
        "single-stage build on golang:1.22 (the Go toolchain): the build toolchain ships in production; build in a "
        "builder stage and copy the result onto a runtime base"))]


def test_copying_from_the_builder_passes() -> None:
    text = "FROM golang:1.22 AS builder\nRUN go build\nFROM scratch AS production\nCOPY --from=builder /app /app\n"
    assert passed(check_multi_stage(make_inputs(text))) == ["production starts from scratch and copies from builder"]


def test_single_stage_on_a_runtime_base_passes() -> None:
    assert passed(check_multi_stage(make_inputs("FROM python:3.12-slim\nCOPY app.py /\n"))) == [
        "stage-0 starts from python:3.12-slim and inherits no build stage"]
