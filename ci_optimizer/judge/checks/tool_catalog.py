"""Programs that production rarely needs, the packages that bring them, and package caches. Data only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ToolKind = Literal["shell", "package-manager", "build", "vcs"]


@dataclass(frozen=True, kw_only=True)
class Tool:
    name: str
    kind: ToolKind
    programs: re.Pattern[str]  # file names in a bin/ or sbin/ directory
    packages: re.Pattern[str] | None = None  # package names that install it (apt, apk, yum)


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?:{pattern})")


TOOLS: tuple[Tool, ...] = (
    Tool(name="sh", kind="shell", programs=_re(r"sh|ash|dash")),
    Tool(name="bash", kind="shell", programs=_re(r"bash"), packages=_re(r"bash")),
    Tool(name="zsh", kind="shell", programs=_re(r"zsh"), packages=_re(r"zsh")),
    Tool(name="apt", kind="package-manager", programs=_re(r"apt|apt-get|apt-cache")),
    Tool(name="dpkg", kind="package-manager", programs=_re(r"dpkg")),
    Tool(name="apk", kind="package-manager", programs=_re(r"apk")),
    Tool(name="yum/dnf", kind="package-manager", programs=_re(r"yum|dnf|microdnf|tdnf|zypper")),
    Tool(name="rpm", kind="package-manager", programs=_re(r"rpm")),
    Tool(name="pip", kind="package-manager", programs=_re(r"pip[0-9.]*"), packages=_re(r"python3?-pip|py3-pip")),
    Tool(name="npm", kind="package-manager", programs=_re(r"npm|npx"), packages=_re(r"npm")),
    Tool(name="yarn", kind="package-manager", programs=_re(r"yarn|yarnpkg"), packages=_re(r"yarn")),
    Tool(name="gcc", kind="build", programs=_re(r"gcc(-[0-9.]+)?|cc|c\+\+|g\+\+(-[0-9.]+)?|cpp(-[0-9.]+)?"),
         packages=_re(r"gcc(-[0-9.]+)?|g\+\+(-[0-9.]+)?|cpp|build-essential|build-base|gfortran")),
    Tool(name="clang", kind="build", programs=_re(r"clang(\+\+)?(-[0-9.]+)?"), packages=_re(r"clang(-[0-9.]+)?")),
    Tool(name="make", kind="build", programs=_re(r"make|gmake|cmake|ninja"),
         packages=_re(r"make|cmake|ninja(-build)?|autoconf|automake|libtool")),
    Tool(name="go", kind="build", programs=_re(r"go"), packages=_re(r"go|golang(-go)?")),
    Tool(name="rustc", kind="build", programs=_re(r"rustc|cargo"), packages=_re(r"rust|rustc|cargo")),
    Tool(name="javac", kind="build", programs=_re(r"javac"),
         packages=_re(r"default-jdk(-headless)?|openjdk-?[0-9]*-jdk(-headless)?|java-[0-9.]+-openjdk-devel|maven|gradle")),
    Tool(name="headers", kind="build", programs=_re(r"(?!)"),
         packages=_re(r".+-dev|.+-devel|musl-dev|linux-headers|pkg-?conf(ig)?")),
    Tool(name="git", kind="vcs", programs=_re(r"git"), packages=_re(r"git|git-core|git-lfs")),
    Tool(name="hg/svn", kind="vcs", programs=_re(r"hg|svn"), packages=_re(r"mercurial|subversion")),
)


@dataclass(frozen=True, kw_only=True)
class Cache:
    name: str
    paths: re.Pattern[str]  # files inside the cache (absolute paths)
    fix: str


_HOME = r"/(?:root|home/[^/]+)"
CACHES: tuple[Cache, ...] = (
    Cache(name="apt lists", paths=re.compile(r"^/var/lib/apt/lists/(?!lock$|partial/|auxfiles/).+"),
          fix="`rm -rf /var/lib/apt/lists/*` in the RUN that installs"),
    Cache(name="apt archives", paths=re.compile(r"^/var/cache/apt/(?!archives/lock$|archives/partial/).+"),
          fix="`apt-get clean` in the RUN that installs"),
    Cache(name="apk cache", paths=re.compile(r"^/var/cache/apk/.+"), fix="`apk add --no-cache`"),
    Cache(name="yum/dnf cache", paths=re.compile(r"^/var/cache/(?:yum|dnf)/.+"), fix="`yum clean all` in the same RUN"),
    Cache(name="pip cache", paths=re.compile(rf"^{_HOME}/\.cache/pip/.+"), fix="`pip install --no-cache-dir`"),
    Cache(name="poetry/uv cache", paths=re.compile(rf"^{_HOME}/\.cache/(?:pypoetry|uv)/.+"),
          fix="a `RUN --mount=type=cache` for the cache directory"),
    Cache(name="npm cache", paths=re.compile(rf"^{_HOME}/\.npm/.+"), fix="`npm cache clean --force` in the same RUN"),
    Cache(name="yarn cache", paths=re.compile(rf"^(?:{_HOME}/\.cache/yarn|/usr/local/share/\.cache/yarn)/.+"),
          fix="`yarn cache clean` in the same RUN"),
    Cache(name="go build cache", paths=re.compile(rf"^{_HOME}/\.cache/go-build/.+"),
          fix="build in the builder stage, or a `RUN --mount=type=cache`"),
    Cache(name="cargo registry", paths=re.compile(rf"^{_HOME}/\.cargo/registry/.+"),
          fix="build in the builder stage, or a `RUN --mount=type=cache`"),
)
