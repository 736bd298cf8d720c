"""Build and target platforms, and the ARGs BuildKit predefines from them. Pure.

BuildKit defines `BUILDPLATFORM`, `BUILDOS`, `BUILDARCH`, `BUILDVARIANT` (where the build runs) and
`TARGETPLATFORM`, `TARGETOS`, `TARGETARCH`, `TARGETVARIANT` (what it builds for) in the global scope,
so `FROM binaries-$TARGETOS` needs no `ARG` line. ci-optimizer takes the build platform to be the
machine it runs on (the engine it drives is local: a runner or a laptop's Docker VM of the same
architecture) and the target platform from `--platform`, else the build platform.
"""

from __future__ import annotations

from dataclasses import dataclass

from ci_optimizer.errors import UsageError

# platform.machine() -> GOARCH (and variant), as docker names architectures
MACHINES = {
    "x86_64": ("amd64", ""), "amd64": ("amd64", ""), "aarch64": ("arm64", ""), "arm64": ("arm64", ""),
    "armv7l": ("arm", "v7"), "armv6l": ("arm", "v6"), "i386": ("386", ""), "i686": ("386", ""),
    "ppc64le": ("ppc64le", ""), "s390x": ("s390x", ""), "riscv64": ("riscv64", ""),
}


@dataclass(frozen=True, kw_only=True)
class Platform:
    os: str
    arch: str
    variant: str = ""

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.arch, self.variant) if p)


def parse_platform(text: str, *, option: str = "--platform") -> Platform:
    """`os/arch[/variant]`, as `docker build --platform` takes it (one platform: one plan)."""
    parts = text.strip().lower().split("/")
    if "," in text or not 2 <= len(parts) <= 3 or not all(parts):
        raise UsageError(f"{option}: {text!r} is not a platform such as linux/amd64 or linux/arm/v7 (one platform)")
    return Platform(os=parts[0], arch=parts[1], variant=parts[2] if len(parts) == 3 else "")


def machine_platform(machine: str) -> Platform:
    """The platform of a machine as `platform.machine()` names it; linux, as the engine's images are."""
    arch, variant = MACHINES.get(machine.lower(), (machine.lower(), ""))
    return Platform(os="linux", arch=arch, variant=variant)


def platform_args(target: Platform, build: Platform) -> dict[str, str]:
    return {
        "BUILDPLATFORM": str(build), "BUILDOS": build.os, "BUILDARCH": build.arch, "BUILDVARIANT": build.variant,
        "TARGETPLATFORM": str(target), "TARGETOS": target.os, "TARGETARCH": target.arch,
        "TARGETVARIANT": target.variant,
    }
