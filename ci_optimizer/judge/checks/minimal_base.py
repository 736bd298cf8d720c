"""minimal-base: what production is built on, and the smaller sibling when there is one. Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ci_optimizer.judge.checks.base_images import (
    DISTRO_CODENAMES,
    FAMILIES,
    FULL_DISTROS,
    MIN_SAVING_BYTES,
    MIN_SAVING_RATIO,
    Family,
    Sibling,
)
from ci_optimizer.judge.checks.inputs import CheckInputs, Finding
from ci_optimizer.sizes import format_size

BaseClass = Literal["scratch", "distroless", "alpine", "slim", "full", "unknown"]
CLASS_WORDS: dict[BaseClass, str] = {
    "scratch": "an empty base (scratch)",
    "distroless": "a distroless base (no shell, no package manager)",
    "alpine": "a minimal musl/busybox base",
    "slim": "a slim base",
    "full": "a full distribution",
    "unknown": "a base this check does not know",
}


@dataclass(frozen=True, kw_only=True)
class ImageRef:
    registry: str | None
    path: str  # `library/` dropped: `python`, `gcr.io`-less `distroless/static-debian12`
    tag: str
    digest: str | None = None

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def parse_ref(ref: str) -> ImageRef:
    rest, _, digest = ref.strip().partition("@")
    registry = None
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, rest = first, remainder
    path, _, tag = rest.rpartition(":") if ":" in rest.rsplit("/", 1)[-1] else (rest, "", "")
    if registry in (None, "docker.io", "index.docker.io", "registry-1.docker.io"):
        registry = None
        path = path.removeprefix("library/")
    return ImageRef(registry=registry, path=path.lower(), tag=tag, digest=digest or None)


def classify(ref: ImageRef) -> BaseClass:
    words = set(re.split(r"[-_.]", ref.tag.lower()))
    if ref.path == "scratch" and ref.registry is None:
        return "scratch"
    if "distroless" in ref.path or ref.registry == "cgr.dev" or "chiseled" in words or ref.name.endswith("-micro"):
        return "distroless"
    if re.search(r"(?:^|[-_.])alpine", ref.tag.lower()) or ref.name in ("alpine", "busybox"):
        return "alpine"
    if words & {"slim", "minimal", "micro"} or ref.name.endswith("-minimal"):
        return "slim"
    if family_of(ref) is not None or any(_matches(ref.path, name) for name in FULL_DISTROS):
        return "full"
    return "unknown"


def family_of(ref: ImageRef) -> Family | None:
    return next((f for f in FAMILIES if any(_matches(ref.path, name) for name in f.names)), None)


def _matches(path: str, name: str) -> bool:
    # Mirrors keep the official name at the end: `public.ecr.aws/docker/library/python`, `local/debian`.
    return path == name or path.endswith("/" + name)


def sibling_ref(ref: ImageRef, sibling: Sibling) -> str:
    repo = (ref.registry + "/" if ref.registry else "") + ref.path
    parts = [p for p in ref.tag.split("-") if p] if ref.tag not in ("", "latest") else []
    version = parts[0] if parts and parts[0][:1].isdigit() else ""
    distro = next((p for p in parts if p in DISTRO_CODENAMES), "")
    if sibling.style == "fixed":
        return sibling.image
    if sibling.style == "same-tag":
        return f"{sibling.image}:{ref.tag or sibling.fallback_tag}"
    if sibling.style == "temurin-jre":
        java = re.findall(r"(?:temurin|jdk|java)-?(\d+)", ref.tag) or re.findall(r"^(\d+)", ref.tag)
        return f"{sibling.image}:{java[-1] if java else '21'}-jre"
    if sibling.style == "jre":
        if not parts:
            return f"{repo}:{sibling.fallback_tag}"
        kept = [p for p in parts if p not in ("jdk", "jre")]
        return f"{repo}:" + "-".join([kept[0], "jre", *kept[1:]] if version else ["jre", *kept])
    if sibling.style == "alpine":
        return f"{repo}:{version}-alpine" if version else f"{repo}:alpine"
    if not (version or distro):
        return f"{repo}:{sibling.fallback_tag}"
    if sibling.style == "slim-suffix":
        return f"{repo}:" + "-".join(p for p in (version, "slim", distro) if p)
    return f"{repo}:" + "-".join(p for p in (version, distro, "slim") if p)  # distro-slim


@dataclass(frozen=True, kw_only=True)
class Suggestion:
    reference: str
    typical_bytes: int
    saving_bytes: int
    note: str


def suggest(ref: ImageRef, current_bytes: int | None) -> Suggestion | None:
    """The best smaller sibling of a full image, when the saving is worth a change."""
    family = family_of(ref)
    if family is None or classify(ref) != "full":
        return None
    size = current_bytes if current_bytes else family.full_bytes
    sibling = family.siblings[0]
    saving = size - sibling.typical_bytes
    if saving < MIN_SAVING_BYTES or saving < MIN_SAVING_RATIO * size:
        return None
    return Suggestion(reference=sibling_ref(ref, sibling), typical_bytes=sibling.typical_bytes, saving_bytes=saving,
                      note=sibling.note)


def check_minimal_base(inputs: CheckInputs) -> Sequence[Finding]:
    root = inputs.chain[0]
    base = root.base
    ref = parse_ref(base)
    kind = classify(ref)
    built = inputs.built
    measured = built.base_image_bytes if built is not None and built.base_image == base else None
    size = f" ({format_size(measured)} measured)" if measured else ""
    suggestion = suggest(ref, measured)
    if suggestion is not None:
        family = family_of(ref)
        what = family.kind if family else CLASS_WORDS[kind]
        typical = "" if measured else f" (typically {format_size(family.full_bytes if family else None)})"
        note = f"; {suggestion.note}" if suggestion.note else ""
        return (Finding(
            passed=False, line=root.line,
            message=f"{base} is {what}{size}{typical}: {suggestion.reference} is typically about "
                    f"{format_size(suggestion.typical_bytes)}, about {format_size(suggestion.saving_bytes)} smaller"
                    f"{note}",
        ),)
    if kind == "full":
        return (Finding(passed=True, line=root.line,
                        message=f"{base} is {CLASS_WORDS[kind]}{size}; no smaller sibling worth the change is known"),)
    return (Finding(passed=True, line=root.line, message=f"{base} is {CLASS_WORDS[kind]}{size}"),)
