from __future__ import annotations

import pytest

from ci_optimizer.dockerfile.parse import parse_dockerfile
from ci_optimizer.dockerfile.roles import assign_roles, select_targets
from ci_optimizer.errors import UsageError

SEED = (
    "FROM python:3.12 AS builder\nRUN pip wheel .\n"
    "FROM builder AS tester\nRUN pytest\n"
    "FROM python:3.12-slim AS production\nCOPY --from=builder /w /w\n"
)


def names(model, stages) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.target_name for s in stages]


def test_default_roles_of_the_seed_pattern() -> None:
    model = parse_dockerfile(SEED)
    roles = assign_roles(model)
    assert (roles.builder, roles.tester, roles.production) == (0, 1, 2)
    assert [roles.role_of(i) for i in range(3)] == ["builder", "tester", "production"]


def test_builder_is_what_production_copies_from_when_no_stage_is_called_builder() -> None:
    model = parse_dockerfile(
        "FROM node AS deps\nFROM node AS compile\nRUN make\nFROM node AS test\nFROM nginx AS web\n"
        "COPY --from=compile /dist /usr/share/nginx/html\n"
    )
    roles = assign_roles(model)
    assert (roles.builder, roles.tester, roles.production) == (1, 2, 3)


def test_no_builder_when_production_copies_from_no_stage() -> None:
    # Before issue 12 the first stage was taken: a reduction against an unrelated stage measured nothing.
    roles = assign_roles(parse_dockerfile("FROM a AS deps\nFROM b AS app\n"))
    assert (roles.builder, roles.tester, roles.production) == (None, None, 1)
    assert roles.builder_note == (
        "Dockerfile: no builder and no size reduction: production 'app' copies from no other stage "
        "(--builder-stage NAME chooses one)"
    )


def test_single_stage_has_no_builder() -> None:
    roles = assign_roles(parse_dockerfile("FROM a\n"))
    assert (roles.builder, roles.tester, roles.production) == (None, None, 0)


def test_explicit_roles() -> None:
    model = parse_dockerfile(SEED + "FROM production AS debug\n")
    roles = assign_roles(model, tester="builder", production="production")
    assert (roles.tester, roles.production) == (0, 2)


def test_unknown_tester_lists_the_stages() -> None:
    with pytest.raises(UsageError) as caught:
        assign_roles(parse_dockerfile(SEED), tester="unit")
    assert caught.value.one_line() == (
        "--tester: no stage named 'unit' in Dockerfile (stages: builder, tester, production)"
    )


def test_tester_cannot_be_production() -> None:
    with pytest.raises(UsageError, match="both the tester and the production"):
        assign_roles(parse_dockerfile(SEED), tester="production")


def test_all_builds_every_stage_that_can_be_a_target() -> None:
    model = parse_dockerfile("FROM a\nFROM b AS x\nFROM c\n")
    stages = select_targets(model, assign_roles(model), ("all",))
    assert names(model, stages) == ["x", "stage-2"]


def test_default_targets_are_production_tester_and_builder() -> None:
    model = parse_dockerfile(SEED + "FROM builder AS lint\nRUN ruff\nFROM production AS final\n")
    roles = assign_roles(model, production="production")
    assert names(model, select_targets(model, roles)) == ["builder", "tester", "production"]


def test_the_tester_is_always_built_even_when_not_requested() -> None:
    model = parse_dockerfile(SEED)
    stages = select_targets(model, assign_roles(model), ("production",))
    assert names(model, stages) == ["tester", "production"]


def test_unknown_target() -> None:
    model = parse_dockerfile(SEED)
    with pytest.raises(UsageError) as caught:
        select_targets(model, assign_roles(model), ("prod",))
    assert "--targets: no stage named 'prod'" in caught.value.one_line()


def test_an_unnamed_middle_stage_cannot_be_a_target() -> None:
    model = parse_dockerfile("FROM a\nFROM b AS x\n")
    with pytest.raises(UsageError, match="stage 0 has no name"):
        select_targets(model, assign_roles(model), ("0",))
