from __future__ import annotations

import pytest

from ci_optimizer.judge.checks.dockerignore import check_dockerignore, excluded, parse_patterns
from tests.unit.checks_support import failed, make_inputs, passed

COPY_ALL = "FROM a\nWORKDIR /app\nCOPY . .\n"


@pytest.mark.parametrize(("patterns", "path", "is_excluded"), [
    (".git", ".git", True),
    (".git", ".git/HEAD", True),  # a directory match excludes what is under it
    ("/.git/", ".git", True),  # leading slash and trailing slash are cleaned away
    (".git", "sub/.git", False),  # patterns are anchored at the context root
    ("**/.git", "sub/.git", True),
    ("**/.git", ".git", True),
    ("*/node_modules", "web/node_modules", True),
    ("*/node_modules", "a/b/node_modules", False),  # `*` does not cross `/`
    ("**/__pycache__", "src/pkg/__pycache__/m.pyc", True),
    ("*\n!src", ".git", True),
    ("*\n!src", "src", False),
    ("node_modules\n!node_modules", "node_modules", False),  # the last match wins
    ("# comment\n\n  .venv  ", ".venv", True),
    ("?.txt", "a.txt", True),
    ("[ab].txt", "c.txt", False),
    ("[^ab].txt", "c.txt", True),
    ("[!ab].txt", "c.txt", False),  # Go's class syntax negates with ^ only; ! is a member
    ("dist*", "dist-old", True),
])
def test_matching_follows_patternmatcher(patterns: str, path: str, is_excluded: bool) -> None:
    assert excluded(path, parse_patterns(patterns)) is is_excluded


def test_missing_dockerignore_points_at_the_first_context_copy() -> None:
    assert failed(check_dockerignore(make_inputs(COPY_ALL))) == [(3, (
        "no .dockerignore: the whole build context (.git included) is sent to the builder, `COPY .` puts it in the "
        "image and every commit misses the cache; add one that excludes .git and the heavy directories"))]


def test_missing_dockerignore_points_at_the_copy_that_sends_everything() -> None:
    # the write-up's pattern: the manifest first (for the cache), then `COPY . .` (line 5) sends it all
    text = "FROM node:18\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"s.js\"]\n"
    assert [line for line, _ in failed(check_dockerignore(make_inputs(text)))] == [5]


def test_nothing_copied_from_the_context_passes_without_a_dockerignore() -> None:
    text = "FROM a AS b\nRUN make\nFROM c\nCOPY --from=b /out /out\nADD https://example.com/x.tgz /x\n"
    assert passed(check_dockerignore(make_inputs(text))) == ["nothing is copied from the build context"]


def test_only_directories_present_in_the_context_are_required() -> None:
    inputs = make_inputs(COPY_ALL, dockerignore=".git\n", dockerignore_path="svc/.dockerignore",
                         context_dirs={".git", "web/node_modules", "src/pkg/__pycache__", "docs"})
    findings = check_dockerignore(inputs)
    assert [(f.passed, f.file, f.line, f.message) for f in findings] == [(False, "svc/.dockerignore", None, (
        "svc/.dockerignore does not exclude src/pkg/__pycache__, web/node_modules (present in the context); add "
        "`**/__pycache__`, `**/node_modules`"))]


def test_directories_copied_by_name_are_not_junk() -> None:
    text = "FROM a\nCOPY dist/ /app/\nCOPY . /src\n"
    inputs = make_inputs(text, dockerignore=".git\n", context_dirs={".git", "dist"})
    assert passed(check_dockerignore(inputs)) == [".dockerignore excludes .git"]


def test_assumed_directories_when_the_context_was_not_listed() -> None:
    inputs = make_inputs(COPY_ALL, dockerignore=".git\nnode_modules\n")
    assert failed(check_dockerignore(inputs)) == [(None, (
        ".dockerignore does not exclude .venv, __pycache__, src/__pycache__ (commonly present); add `**/__pycache__`, "
        "`.venv`, `__pycache__`"))]
    good = make_inputs(COPY_ALL, dockerignore=".git\n**/node_modules\n.venv\n**/__pycache__\n")
    assert passed(check_dockerignore(good)) == [".dockerignore excludes .git, .venv, __pycache__, node_modules"]
