"""`--cache-from` / `--cache-to`: BuildKit cache import and export specs, as build-push-action takes them. Pure.

A spec is BuildKit's own CSV (`type=registry,ref=ghcr.io/acme/app:cache,mode=max`); a bare
reference means `type=registry,ref=REF`, as `docker buildx build --cache-from REF` reads it.

The action's inputs are lists the way docker/build-push-action reads `cache-from`/`cache-to`
(actions-toolkit `getInputList(name, {ignoreComma: true})`): one spec per line, each line read as
CSV and joined again with commas, so a spec's own commas never split it. A value that itself holds
a comma is quoted twice, CSV in CSV: the whole line in double quotes and the inner quotes
doubled, so that the line reads as the spec `type=local,"src=/a,b"`, which BuildKit reads as CSV in turn.

One bake run exports every target's cache at once, so an export to one place from several targets
would overwrite itself (the last writer wins). `{target}` in a spec names a place per target
(`ref=ghcr.io/acme/app:cache-{target}`, gha `scope={target}`); without it the cache is exported
from the production target only, which is what the team's own build pushes. An inline cache is
part of each image, so it goes to every target.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ci_optimizer.errors import UsageError

PLACEHOLDER = "{target}"
TYPES = ("registry", "local", "gha", "inline", "s3", "azblob")
# Cache backends BuildKit's docker driver (the engine's built-in BuildKit) cannot use.
NEEDS_CONTAINER_BUILDER_FROM = ("local", "gha", "s3", "azblob")
NEEDS_CONTAINER_BUILDER_TO = ("registry", "local", "gha", "s3", "azblob")
_SECRET_KEYS = ("token", "secret_access_key", "session_token", "access_key_id")


@dataclass(frozen=True, kw_only=True)
class CacheSpec:
    """One `--cache-from` or `--cache-to` value, as the user wrote it (`text`) and as read."""

    text: str
    type: str
    attrs: tuple[tuple[str, str], ...]

    @property
    def per_target(self) -> bool:
        return PLACEHOLDER in self.text

    def for_target(self, name: str) -> str:
        return self.text.replace(PLACEHOLDER, name)

    def shown(self) -> str:
        """The spec for logs and reports: a gha token or cloud keys never appear."""
        fields = [f"{k}=***" if k in _SECRET_KEYS else f"{k}={v}" for k, v in self.attrs]
        return ",".join(fields)


def parse_spec(text: str, *, flag: str) -> CacheSpec:
    """One spec; `flag` names where it came from (`--cache-from`, `input cache-to`) in the error."""
    value = text.strip()
    if not value:
        raise UsageError(f"{flag}: empty cache spec")
    fields = _csv_fields(value)
    if len(fields) == 1 and "=" not in fields[0]:
        return CacheSpec(text=f"type=registry,ref={fields[0]}", type="registry", attrs=(("ref", fields[0]),))
    attrs: list[tuple[str, str]] = []
    for field in fields:
        key, eq, val = field.partition("=")
        if not eq or not key.strip():
            raise UsageError(f"{flag} {_safe(value)!r}: expected key=value fields, got {_safe(field)!r}")
        attrs.append((key.strip().lower(), val))
    kind = dict(attrs).get("type", "")
    if kind not in TYPES:
        known = ", ".join(TYPES)
        raise UsageError(f"{flag} {_safe(value)!r}: type={kind!r} is not a cache type ({known})" if kind
                         else f"{flag} {_safe(value)!r}: no type= (one of {known})")
    return CacheSpec(text=value, type=kind, attrs=tuple(attrs))


def parse_specs(values: Iterable[str], *, flag: str) -> tuple[CacheSpec, ...]:
    return tuple(parse_spec(v, flag=flag) for v in values)


def split_input(text: str) -> tuple[str, ...]:
    """An action input as build-push-action reads `cache-from`: one spec per line, CSV-unquoted."""
    specs = []
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = [f.strip() for f in _csv_fields(line)]
        spec = ",".join(f for f in fields if f)
        if spec:
            specs.append(spec)
    return tuple(specs)


def exports_for(specs: Sequence[CacheSpec], *, target: str, production: bool) -> tuple[str, ...]:
    """The `cache-to` entries of one bake target (see the module's docstring)."""
    chosen = []
    for spec in specs:
        if spec.per_target:
            chosen.append(spec.for_target(target))
        elif spec.type == "inline" or production:
            chosen.append(spec.text)
    return tuple(chosen)


def imports_for(specs: Sequence[CacheSpec], *, target: str) -> tuple[str, ...]:
    """The `cache-from` entries of one bake target: every import, placeholders filled."""
    return tuple(spec.for_target(target) for spec in specs)


def usable_on(
    driver: str, cache_from: Sequence[CacheSpec], cache_to: Sequence[CacheSpec]
) -> tuple[tuple[CacheSpec, ...], tuple[CacheSpec, ...], tuple[str, ...]]:
    """The specs the builder's driver can use, and one warning per spec left out.

    The docker driver (the engine's built-in BuildKit, `docker buildx`'s default) imports registry
    caches and exports inline ones only; handing it anything else fails the whole build
    ("Cache export is not supported for the docker driver"), so those are left out with a warning.
    """
    if not (cache_from or cache_to):
        return (), (), ()
    if driver == "classic":
        return (), (), ("docker buildx is not installed: the classic builder ignores --cache-from and --cache-to",)
    if driver != "docker":
        return tuple(cache_from), tuple(cache_to), ()
    notes: list[str] = []
    kept: list[tuple[CacheSpec, ...]] = []
    for flag, specs, kinds, verb in (("--cache-from", cache_from, NEEDS_CONTAINER_BUILDER_FROM, "import"),
                                     ("--cache-to", cache_to, NEEDS_CONTAINER_BUILDER_TO, "export")):
        kept.append(tuple(s for s in specs if s.type not in kinds))
        notes.extend(
            f"{flag} {spec.shown()}: the builder uses the docker driver, which cannot {verb} a {spec.type} "
            "cache; left out. Create a docker-container builder first (docker/setup-buildx-action does it): "
            "docs/caching.md"
            for spec in specs if spec.type in kinds
        )
    return kept[0], kept[1], tuple(notes)


def _csv_fields(text: str) -> list[str]:
    try:
        rows = list(csv.reader([text], skipinitialspace=True, strict=False))
    except csv.Error as exc:  # pragma: no cover - strict=False accepts stray quotes
        raise UsageError(f"cannot read {_safe(text)!r} as CSV: {exc}") from None
    return rows[0] if rows else []


def _safe(text: str) -> str:
    """A spec in an error message, with any token value hidden."""
    fields = []
    for field in text.split(","):
        key = field.partition("=")[0].strip().lower()
        fields.append(f"{key}=***" if key in _SECRET_KEYS else field)
    return ",".join(fields)
