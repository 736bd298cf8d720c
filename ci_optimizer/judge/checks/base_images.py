"""Typical sizes of popular base images and their smaller siblings. Data only.

Figures are approximate uncompressed linux/amd64 sizes as `docker images` shows them for
recent tags (2024); they only size a suggestion. The image the user actually builds on is
measured by the engine, and that measured size is used when it is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MB = 1000**2

# How a sibling's reference is made from the user's tag (see minimal_base.sibling_ref):
#   slim-suffix   python:3.11-bookworm -> python:3.11-slim-bookworm
#   distro-slim   node:20-bookworm     -> node:20-bookworm-slim, debian:bookworm -> debian:bookworm-slim
#   alpine        node:20              -> node:20-alpine
#   jre           eclipse-temurin:21-jdk-jammy -> eclipse-temurin:21-jre-jammy
#   temurin-jre   openjdk:17 / maven:3-eclipse-temurin-21 -> eclipse-temurin:<java>-jre
#   same-tag      mcr.microsoft.com/dotnet/sdk:8.0 -> mcr.microsoft.com/dotnet/aspnet:8.0
#   fixed         golang:1.22 -> gcr.io/distroless/static-debian12
Style = Literal["slim-suffix", "distro-slim", "alpine", "jre", "temurin-jre", "same-tag", "fixed"]


@dataclass(frozen=True, kw_only=True)
class Sibling:
    style: Style
    typical_bytes: int
    image: str = ""  # the repository for same-tag/temurin-jre, the whole reference for fixed
    fallback_tag: str = ""  # for an untagged or `latest` base
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Family:
    names: tuple[str, ...]  # repository paths, matched at the end (`python`, `dotnet/sdk`)
    kind: str  # what the full image is, in the message
    full_bytes: int
    siblings: tuple[Sibling, ...]  # best suggestion first


_SLIM_BUILD_NOTE = "it has no compiler: build wheels or native modules in the builder stage and copy them in"

FAMILIES: tuple[Family, ...] = (
    Family(
        names=("python",), kind="a full Debian image with compilers, headers and git", full_bytes=1020 * MB,
        siblings=(
            Sibling(style="slim-suffix", typical_bytes=130 * MB, fallback_tag="slim", note=_SLIM_BUILD_NOTE),
            Sibling(style="alpine", typical_bytes=57 * MB, note="musl libc: many wheels must be built"),
        ),
    ),
    Family(
        names=("node",), kind="a full Debian image with compilers, python and git", full_bytes=1100 * MB,
        siblings=(
            Sibling(style="distro-slim", typical_bytes=200 * MB, fallback_tag="slim", note=_SLIM_BUILD_NOTE),
            Sibling(style="alpine", typical_bytes=135 * MB, note="musl libc: native modules must be rebuilt"),
        ),
    ),
    Family(
        names=("ruby",), kind="a full Debian image with compilers, headers and git", full_bytes=1000 * MB,
        siblings=(
            Sibling(style="slim-suffix", typical_bytes=220 * MB, fallback_tag="slim", note=_SLIM_BUILD_NOTE),
            Sibling(style="alpine", typical_bytes=100 * MB, note="musl libc: native gems must be built"),
        ),
    ),
    Family(
        names=("golang",), kind="the Go toolchain", full_bytes=815 * MB,
        siblings=(
            Sibling(style="fixed", typical_bytes=2 * MB, image="gcr.io/distroless/static-debian12",
                    note="for a static binary (CGO_ENABLED=0); gcr.io/distroless/base-debian12 (~20 MB) "
                         "if it links libc, or scratch"),
        ),
    ),
    Family(
        names=("rust",), kind="the Rust toolchain", full_bytes=1500 * MB,
        siblings=(
            Sibling(style="fixed", typical_bytes=23 * MB, image="gcr.io/distroless/cc-debian12",
                    note="copy the release binary from the builder stage"),
        ),
    ),
    Family(
        names=("eclipse-temurin",), kind="a full JDK", full_bytes=460 * MB,
        siblings=(Sibling(style="jre", typical_bytes=270 * MB, fallback_tag="jre", note="run the jar on a JRE"),),
    ),
    Family(
        names=("openjdk", "maven", "gradle"), kind="a JDK with its build tools", full_bytes=520 * MB,
        siblings=(
            Sibling(style="temurin-jre", typical_bytes=270 * MB, image="eclipse-temurin",
                    note="build the jar in the builder stage and run it on a JRE"),
        ),
    ),
    Family(
        names=("dotnet/sdk",), kind="the .NET SDK", full_bytes=850 * MB,
        siblings=(
            Sibling(style="same-tag", typical_bytes=220 * MB, image="mcr.microsoft.com/dotnet/aspnet",
                    fallback_tag="8.0", note="or dotnet/runtime (~190 MB) for a console app"),
        ),
    ),
    Family(
        names=("debian",), kind="a full Debian userland", full_bytes=117 * MB,
        siblings=(Sibling(style="distro-slim", typical_bytes=75 * MB, fallback_tag="stable-slim"),),
    ),
)

# Distributions that are complete userlands but have no smaller sibling in the table.
FULL_DISTROS = frozenset(
    {"ubuntu", "centos", "fedora", "rockylinux", "almalinux", "amazonlinux", "oraclelinux", "archlinux",
     "opensuse/leap", "ubi8/ubi", "ubi9/ubi", "buildpack-deps"}
)
# A suggestion below both thresholds is noise, not advice.
MIN_SAVING_BYTES = 10 * MB
MIN_SAVING_RATIO = 0.2

DISTRO_CODENAMES = frozenset(
    {"trixie", "bookworm", "bullseye", "buster", "stretch", "noble", "jammy", "focal", "bionic"}
)
