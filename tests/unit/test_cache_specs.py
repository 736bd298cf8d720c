"""--cache-from / --cache-to: parsed as buildx and build-push-action read them, placed per bake target."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_optimizer.builders.buildx import bake_definition, driver_of
from ci_optimizer.errors import UsageError
from ci_optimizer.plan.build_plan import BuildPlan, BuildTarget
from ci_optimizer.plan.cache_specs import parse_spec, parse_specs, split_input, usable_on


def test_a_spec_is_read_as_buildkit_csv() -> None:
    spec = parse_spec("type=registry,ref=localhost:5000/app:cache,mode=max", flag="--cache-to")
    assert spec.type == "registry"
    assert spec.attrs == (("type", "registry"), ("ref", "localhost:5000/app:cache"), ("mode", "max"))


def test_a_bare_reference_is_a_registry_cache_as_buildx_reads_it() -> None:
    spec = parse_spec("ghcr.io/acme/app:cache", flag="--cache-from")
    assert (spec.text, spec.type) == ("type=registry,ref=ghcr.io/acme/app:cache", "registry")


@pytest.mark.parametrize(("text", "message"), [
    ("type=registy,ref=x", "--cache-from 'type=registy,ref=x': type='registy' is not a cache type "
                           "(registry, local, gha, inline, s3, azblob)"),
    ("ref=x,mode=max", "--cache-from 'ref=x,mode=max': no type= (one of registry, local, gha, inline, s3, azblob)"),
    ("type=gha,oops", "--cache-from 'type=gha,oops': expected key=value fields, got 'oops'"),
    ("  ", "--cache-from: empty cache spec"),
])
def test_a_bad_spec_is_one_line_naming_the_flag(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_spec(text, flag="--cache-from")
    assert caught.value.one_line() == message


def test_a_token_never_shows_in_an_error_or_a_report() -> None:
    with pytest.raises(UsageError) as caught:
        parse_spec("type=gha,token=ghs_secret,bad", flag="input cache-from")
    assert "ghs_secret" not in caught.value.one_line()
    assert parse_spec("type=gha,token=ghs_secret,scope=app", flag="x").shown() == "type=gha,token=***,scope=app"


def test_the_action_input_is_one_spec_per_line_and_commas_stay_inside_it() -> None:
    text = ('type=registry,ref=ghcr.io/acme/app:cache\n\n'
            '  type=gha, scope=app  \n'
            '"type=local,""src=/tmp/a,b"""\n')
    assert split_input(text) == ("type=registry,ref=ghcr.io/acme/app:cache", "type=gha,scope=app",
                                 'type=local,"src=/tmp/a,b"')
    local = parse_spec(split_input(text)[2], flag="input cache-from")
    assert local.attrs == (("type", "local"), ("src", "/tmp/a,b"))


def _plan(cache_from: str = "", cache_to: str = "") -> BuildPlan:
    def target(name: str, index: int, role: str) -> BuildTarget:
        return BuildTarget(name=name, index=index, stage=name, tag=f"t/{name}", role=role,  # type: ignore[arg-type]
                           line=index + 1, stages=frozenset({name}))

    return BuildPlan(
        dockerfile=Path("/ctx/Dockerfile"), context=Path("/ctx"),
        targets=(target("builder", 0, "builder"), target("tester", 1, "tester"), target("app", 2, "production")),
        cache_from=parse_specs(split_input(cache_from), flag="f"),
        cache_to=parse_specs(split_input(cache_to), flag="t"),
    )


def test_every_target_imports_every_cache_with_its_name_filled_in() -> None:
    plan = _plan(cache_from="type=registry,ref=r/app:cache\ntype=registry,ref=r/app:cache-{target}")
    targets = bake_definition(plan, plan.targets)["target"]
    assert targets["tester"]["cache-from"] == ["type=registry,ref=r/app:cache", "type=registry,ref=r/app:cache-tester"]
    assert "cache-to" not in targets["tester"]


def test_one_place_is_exported_from_production_only_and_inline_from_every_target() -> None:
    plan = _plan(cache_to="type=registry,ref=r/app:cache,mode=max\ntype=inline\ntype=gha,scope={target}")
    targets = bake_definition(plan, plan.targets)["target"]
    assert targets["app"]["cache-to"] == ["type=registry,ref=r/app:cache,mode=max", "type=inline", "type=gha,scope=app"]
    assert targets["builder"]["cache-to"] == ["type=inline", "type=gha,scope=builder"]
    # a later round that rebuilds only a cancelled target still exports from the same one
    again = bake_definition(plan, plan.targets[1:2])["target"]
    assert again["tester"]["cache-to"] == ["type=inline", "type=gha,scope=tester"]


def test_the_docker_driver_keeps_registry_imports_and_inline_exports_and_says_what_it_left_out() -> None:
    cache_from = parse_specs(["type=registry,ref=r/c", "type=gha,token=s3cr3t"], flag="f")
    cache_to = parse_specs(["type=inline", "type=registry,ref=r/c,mode=max"], flag="t")
    kept_from, kept_to, notes = usable_on("docker", cache_from, cache_to)
    assert [s.text for s in kept_from] == ["type=registry,ref=r/c"]
    assert [s.text for s in kept_to] == ["type=inline"]
    assert notes == (
        "--cache-from type=gha,token=***: the builder uses the docker driver, which cannot import a gha cache; "
        "left out. Create a docker-container builder first (docker/setup-buildx-action does it): docs/caching.md",
        "--cache-to type=registry,ref=r/c,mode=max: the builder uses the docker driver, which cannot export a "
        "registry cache; left out. Create a docker-container builder first (docker/setup-buildx-action does it): "
        "docs/caching.md",
    )
    assert usable_on("docker-container", cache_from, cache_to) == (cache_from, cache_to, ())
    assert usable_on("classic", cache_from, ())[2] == (
        "docker buildx is not installed: the classic builder ignores --cache-from and --cache-to",)


def test_the_driver_is_read_from_buildx_inspect() -> None:
    text = "Name:          default\nDriver:        docker-container\nLast Activity: 2026\n\nNodes:\nName: x\n"
    assert driver_of(text) == "docker-container"
    assert driver_of("Name: x\n") is None
