"""The stage graph as BuildKit resolves it, trap by trap (issue 12), with exact expectations."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_optimizer.dockerfile.advice import role_warnings
from ci_optimizer.dockerfile.parse import parse_dockerfile, read_dockerfile
from ci_optimizer.dockerfile.platforms import Platform, machine_platform, parse_platform
from ci_optimizer.dockerfile.roles import assign_roles, select_targets
from ci_optimizer.errors import DockerfileError, UsageError

SIXTY = Path(__file__).resolve().parent / "data/sixty-stages/Dockerfile"
ARM64 = Platform(os="linux", arch="arm64")
PLATFORM_STAGES = (
    "FROM a AS binaries-linux\nFROM a AS binaries-windows\n"
    "FROM binaries-$TARGETOS AS binaries\n"
    "FROM a AS base-amd64\nFROM a AS base-arm64\nFROM base-${TARGETARCH} AS base\n"
)


def bases(text: str, **kwargs: object) -> list[tuple[str, int | None]]:
    model = parse_dockerfile(text, **kwargs)  # type: ignore[arg-type]
    return [(s.base, s.parent) for s in model.stages]


def test_platform_args_name_stages_without_an_arg_line() -> None:
    assert bases(PLATFORM_STAGES)[2:6:3] == [("binaries-linux", 0), ("base-amd64", 3)]
    assert bases(PLATFORM_STAGES, platform=ARM64)[5] == ("base-arm64", 4)
    assert bases(PLATFORM_STAGES, build_args={"TARGETOS": "windows"})[2] == ("binaries-windows", 1)


def test_build_platform_args_come_from_the_build_platform() -> None:
    text = "FROM --platform=$BUILDPLATFORM a AS cross\nFROM cross-$BUILDARCH-$TARGETARCH$TARGETVARIANT\n"
    model = parse_dockerfile(text, platform=parse_platform("linux/arm/v7"), build_platform=machine_platform("x86_64"))
    assert model.stages[0].platform == "linux/amd64"
    assert model.stages[1].base == "cross-amd64-armv7"
    assert model.platform == "linux/arm/v7"


def test_global_arg_defaults_lose_their_quotes_and_see_the_args_before_them() -> None:
    text = ('ARG SYSTEMD="false"\nARG FLAVOUR=\'dev\'\nARG NAME="${FLAVOUR}-systemd-${SYSTEMD}"\n'
            "FROM a AS dev-systemd-false\nFROM a AS dev-systemd-true\nFROM ${NAME}\n")
    model = parse_dockerfile(text)
    assert model.global_args == {"SYSTEMD": "false", "FLAVOUR": "dev", "NAME": "dev-systemd-false"}
    assert (model.stages[2].base, model.stages[2].parent) == ("dev-systemd-false", 0)
    # --build-arg replaces the value; later defaults are expanded with it
    assert parse_dockerfile(text, build_args={"SYSTEMD": "true"}).stages[2].parent == 1


def test_every_expansion_form_in_from() -> None:
    text = ("ARG IMAGE=docker.io/library/golang:1.22-alpine\nARG EMPTY=\n"
            "FROM ${IMAGE##*/} AS a\nFROM ${IMAGE%%:*} AS b\nFROM ${IMAGE#docker.io/} AS c\n"
            "FROM ${IMAGE%-alpine} AS d\nFROM ${EMPTY:-alpine} AS e\nFROM ${EMPTY-x}alpine AS f\n"
            "FROM alpine${EMPTY:+-never} AS g\nFROM ${IMAGE+busybox} AS h\nFROM ${UNSET-a}${UNSET:-b} AS i\n")
    assert [b for b, _ in bases(text)] == [
        "golang:1.22-alpine", "docker.io/library/golang", "library/golang:1.22-alpine",
        "docker.io/library/golang:1.22", "alpine", "alpine", "alpine", "busybox", "ab",
    ]


def test_stage_references_are_case_insensitive() -> None:
    assert bases("FROM a AS Build\nFROM BUILD\nFROM x\nCOPY --from=bUiLd / /\n")[1] == ("BUILD", 0)
    assert parse_dockerfile("FROM a AS Build\nFROM x\nCOPY --from=bUiLd / /\n").stages[1].needs == (0,)


def test_a_stage_scoped_arg_is_seen_by_copy_from_but_not_by_a_later_from() -> None:
    text = ("FROM a AS one\nFROM a AS two\nARG SRC=one\nCOPY --from=$SRC / /\n"
            "RUN --mount=from=${SRC},target=/m true\n")
    assert parse_dockerfile(text).stages[1].needs == (0,)
    with pytest.raises(DockerfileError) as caught:
        parse_dockerfile("FROM a AS one\nARG BASE=one\nRUN true\nFROM $BASE\n")
    assert caught.value.one_line() == (
        "Dockerfile:4: FROM $BASE uses ARG BASE, which is declared inside a stage (line 2), where FROM cannot see it; "
        "move the ARG above the first FROM"
    )


def test_a_global_arg_redeclared_in_a_stage_takes_the_global_value() -> None:
    text = "ARG SRC=one\nFROM a AS one\nFROM a\nARG SRC\nCOPY --from=${SRC} / /\n"
    assert parse_dockerfile(text).stages[1].needs == (0,)


def test_global_args_without_a_value_used_in_from_are_listed() -> None:
    with pytest.raises(DockerfileError) as caught:
        parse_dockerfile("ARG REGISTRY\nARG TAG\nARG OK=1\nFROM a\nFROM ${REGISTRY}/app:${TAG}\nFROM $REGISTRY\n")
    assert caught.value.one_line() == (
        "Dockerfile:5: FROM needs ARG REGISTRY, TAG, declared without a value; "
        "pass --build-arg REGISTRY=... --build-arg TAG=..."
    )
    assert bases("ARG TAG\nFROM app:${TAG}\n", build_args={"TAG": "2"}) == [("app:2", None)]


def test_an_unresolved_stage_prefix_is_a_warning_naming_the_empty_arg() -> None:
    model = parse_dockerfile("ARG FLAVOUR=\nFROM a AS base-slim\nFROM base-${FLAVOUR}\nFROM x-$TARGETVARIANT\n")
    assert model.stages[1].parent is None
    assert model.warnings == (
        "Dockerfile:3: FROM base-${FLAVOUR} resolves to 'base-', which is no stage (stages start with it: "
        "base-slim): ARG FLAVOUR is empty, so it is read as an image name",
        "Dockerfile:4: FROM x-$TARGETVARIANT resolves to 'x-', which is no stage: ARG TARGETVARIANT is empty, "
        "so it is read as an image name",
    )


def test_index_references_external_images_and_the_escape_directive() -> None:
    text = ("# escape=`\nARG WIN=mcr.microsoft.com/windows/nanoserver:ltsc2022\nFROM $WIN\nRUN dir `\n  c:\\\n"
            "FROM a AS app\nCOPY --from=0 c:\\out c:\\out\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx\n"
            "COPY --from=`$literal / /\n")
    model = parse_dockerfile(text)
    assert model.escape == "`"
    assert model.stages[0].base == "mcr.microsoft.com/windows/nanoserver:ltsc2022"
    assert model.stages[1].needs == (0,)
    assert model.stages[1].external_sources == ("nginx:1.27", "$literal")


def test_bad_expansion_names_file_and_line() -> None:
    with pytest.raises(DockerfileError) as caught:
        parse_dockerfile("FROM a\nFROM ${A:x}\n")
    assert caught.value.one_line() == "Dockerfile:2: unsupported modifier (:) in substitution in '${A:x}'"


@pytest.mark.parametrize(("machine", "expected"), [("x86_64", "linux/amd64"), ("aarch64", "linux/arm64"),
                                                   ("armv7l", "linux/arm/v7"), ("AMD64", "linux/amd64")])
def test_machine_platforms(machine: str, expected: str) -> None:
    assert str(machine_platform(machine)) == expected


def test_a_bad_platform_is_one_line() -> None:
    with pytest.raises(UsageError) as caught:
        parse_platform("linux/amd64,linux/arm64")
    assert caught.value.one_line() == (
        "--platform: 'linux/amd64,linux/arm64' is not a platform such as linux/amd64 or linux/arm/v7 (one platform)"
    )


# --- roles ----------------------------------------------------------------------------------------------------


def builder_of(text: str, **kwargs: str) -> str | None:
    model = parse_dockerfile(text)
    roles = assign_roles(model, **kwargs)
    return model.stages[roles.builder].target_name if roles.builder is not None else None


def test_builder_follows_alias_stages_to_what_they_alias() -> None:
    text = "FROM a AS compile\nRUN make\nFROM compile AS dist\nFROM b AS app\nCOPY --from=dist /out /out\n"
    assert builder_of(text) == "compile"


def test_builder_is_the_stage_production_copies_the_most_from_not_a_first_helper() -> None:
    text = ("FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx\nFROM a AS deps\nRUN npm ci\nFROM a AS compile\n"
            "COPY --from=xx / /\nRUN make\nFROM b AS app\nCOPY --from=deps /n /n\nCOPY --from=compile /o /o\n"
            "COPY --from=compile /p /p\n")
    assert builder_of(text) == "compile"


def test_builder_is_never_in_productions_from_chain() -> None:
    text = "FROM a AS builder\nRUN make\nFROM builder AS app\nCOPY --from=builder /o /o\n"
    model = parse_dockerfile(text)
    roles = assign_roles(model)
    assert roles.builder is None
    assert roles.builder_note == ("Dockerfile: no builder and no size reduction: production 'app' copies only from "
                                  "its own FROM chain (--builder-stage NAME chooses one)")


def test_builder_stage_option_chooses_and_is_validated() -> None:
    text = "FROM a AS one\nFROM a AS two\nFROM b AS app\nCOPY --from=one / /\n"
    assert builder_of(text, builder="two") == "two"
    with pytest.raises(UsageError) as caught:
        builder_of(text, builder="app")
    assert caught.value.one_line() == ("--builder-stage: 'app' is the production stage; the builder is the stage "
                                       "production copies its artefacts from")


def test_budget_named_targets_are_built_by_default() -> None:
    model = parse_dockerfile(
        "FROM a AS builder\nFROM a AS lint\nFROM a AS docs\nFROM b AS app\nCOPY --from=builder / /\n"
    )
    stages = select_targets(model, assign_roles(model), (), ("docs", "not-here"))
    assert [s.target_name for s in stages] == ["builder", "docs", "app"]


def test_dev_named_last_stage_and_several_finals_suggest_production() -> None:
    model = parse_dockerfile("FROM a AS app\nFROM app AS debug\n")
    assert role_warnings(model, assign_roles(model), production_given=False) == (
        "Dockerfile:2: the last stage 'debug' is named like a development image, yet it is taken as production; "
        "pass --production NAME to choose the stage that ships",
    )
    assert role_warnings(model, assign_roles(model, production="app"), production_given=True) == ()
    model = parse_dockerfile("FROM a AS builder\nFROM builder AS tester\nFROM b AS server\nCOPY --from=builder / /\n"
                             "FROM c AS client\nCOPY --from=builder / /\n")
    assert role_warnings(model, assign_roles(model), production_given=False) == (
        "Dockerfile:5: the Dockerfile ends in 2 independent final stages (server, client); 'client' is taken as "
        "production; pass --production NAME to choose the stage that ships",
    )


def test_the_sixty_stage_file() -> None:
    model = read_dockerfile(SIXTY)
    roles = assign_roles(model)
    names = [s.target_name for s in model.stages]
    assert len(model.stages) == 60
    assert (names[roles.production], names[roles.tester or 0], names[roles.builder or 0]) == (
        "production", "tester", "builder")
    assert [s.target_name for s in select_targets(model, roles)] == ["builder", "tester", "production"]
    assert len(select_targets(model, roles, ("all",))) == 60
    assert names[model.stages[names.index("binaries")].parent or 0] == "binaries-linux"
    assert names[model.stages[names.index("cross")].parent or 0] == "cross-amd64"
    assert names[model.stages[names.index("dev")].parent or 0] == "dev-systemd-false"
    assert model.warnings == ()
