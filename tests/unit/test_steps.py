"""A BuildKit step name -> the Dockerfile line it came from."""

from __future__ import annotations

import pytest

from ci_optimizer.dockerfile.parse import parse_dockerfile
from ci_optimizer.dockerfile.steps import step_line

DOCKERFILE = (
    "FROM base AS builder\n"  # 1
    "ARG X=1\n"  # 2
    "ENV Y=2\n"  # 3
    "WORKDIR /w\n"  # 4
    "RUN echo hi > f\n"  # 5
    "LABEL a=b\n"  # 6
    "COPY Dockerfile /x\n"  # 7
    "RUN make \\\n"  # 8
    "    all\n"  # 9
    "FROM scratch AS production\n"  # 10
    "COPY --from=builder /app /app\n"  # 11
)
MODEL = parse_dockerfile(DOCKERFILE)


@pytest.mark.parametrize(
    ("stage", "step", "name", "line"),
    [
        (0, "1/5", "FROM docker.io/library/base", 1),
        (0, "2/5", "WORKDIR /w", 4),  # ARG and ENV make no step
        (0, "3/5", "RUN echo hi > f", 5),
        (0, "4/5", "COPY Dockerfile /x", 7),
        (0, "5/5", "RUN make     all", 8),  # a continued line is placed on its first line
        (1, "2/2", "COPY --from=builder /app /app", 11),
        # BuildKit counted differently (a newer frontend): placed by its text instead
        (0, "3/9", "COPY Dockerfile /x", 7),
        (0, "2/5", "RUN something else", None),
    ],
)
def test_a_step_is_placed_on_its_line(stage: int, step: str, name: str, line: int | None) -> None:
    assert step_line(MODEL.stages[stage], step, name) == line
