"""The exact text a review suggestion puts in place of an instruction's lines (judge/fixes.py)."""

from __future__ import annotations

from ci_optimizer.dockerfile.parse import parse_dockerfile
from ci_optimizer.dockerfile.stages import Instruction
from ci_optimizer.judge.fixes import RECOMMENDS, fixed_text


def _run(text: str) -> tuple[tuple[str, ...], Instruction]:
    """The Dockerfile's lines and its last instruction."""
    model = parse_dockerfile(text)
    return tuple(text.splitlines()), model.stages[-1].instructions[-1]


def fix(text: str, *edits: str) -> str | None:
    lines, ins = _run(text)
    return fixed_text(lines, ins, edits)


def test_pip_gets_no_cache_dir_right_after_install() -> None:
    assert fix("FROM x\nRUN pip install -r requirements.txt\n", "pip cache") == (
        "RUN pip install --no-cache-dir -r requirements.txt")
    assert fix("FROM x\nRUN python3 -m pip install flask && pip3 install gunicorn\n", "pip cache") == (
        "RUN python3 -m pip install --no-cache-dir flask && pip3 install --no-cache-dir gunicorn")


def test_a_command_that_already_has_the_flag_is_left_as_it_is() -> None:
    assert fix("FROM x\nRUN pip install --no-cache-dir a && pip install b\n", "pip cache") == (
        "RUN pip install --no-cache-dir a && pip install --no-cache-dir b")
    assert fix("FROM x\nRUN pip install --no-cache-dir a\n", "pip cache") is None  # nothing to edit: no suggestion


def test_apk_add_gets_no_cache() -> None:
    assert fix("FROM x\nRUN apk add curl git\n", "apk cache") == "RUN apk add --no-cache curl git"


def test_apt_lists_and_archives_are_cleaned_at_the_end_of_the_run() -> None:
    assert fix("FROM x\nRUN apt-get update && apt-get install -y curl\n", "apt lists") == (
        "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*")
    assert fix("FROM x\nRUN apt-get update && apt-get install -y curl\n", "apt lists", "apt archives") == (
        "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/* && apt-get clean")


def test_npm_and_yarn_caches_are_cleaned() -> None:
    assert fix("FROM x\nRUN npm ci\n", "npm cache") == "RUN npm ci && npm cache clean --force"
    assert fix("FROM x\nRUN yarn install --frozen-lockfile\n", "yarn cache") == (
        "RUN yarn install --frozen-lockfile && yarn cache clean")


def test_apt_install_gets_no_install_recommends_after_its_options() -> None:
    assert fix("FROM x\nRUN apt-get -q install -y curl\n", RECOMMENDS) == (
        "RUN apt-get -q install --no-install-recommends -y curl")
    assert fix("FROM x\nRUN apt install curl\n", RECOMMENDS) == "RUN apt install --no-install-recommends curl"


def test_a_multi_line_instruction_keeps_its_lines_and_indentation() -> None:
    text = ("FROM x\n"
            "RUN apt-get update \\\n"
            "    && apt-get install -y \\\n"
            "       curl git\n"
            "USER app\n")
    lines, _ = _run(text)
    (ins,) = [i for i in parse_dockerfile(text).stages[0].instructions if i.keyword == "RUN"]
    assert fixed_text(lines, ins, ["apt lists", RECOMMENDS]) == (
        "RUN apt-get update \\\n"
        "    && apt-get install --no-install-recommends -y \\\n"
        "       curl git && rm -rf /var/lib/apt/lists/*")


def test_no_suggestion_where_the_edit_is_not_certain() -> None:
    assert fix("FROM x\nRUN go build ./...\n", "go build cache") is None  # no exact edit for it
    assert fix('FROM x\nRUN ["pip", "install", "a"]\n', "pip cache") is None  # exec form
    assert fix("FROM x\nCOPY . /app\n", "npm cache") is None
    lines, ins = _run("FROM x\nRUN npm ci\n")
    assert fixed_text(lines[:1], ins, ["npm cache"]) is None  # the file changed under the model
