"""The git adapter against real git repositories in a temporary directory."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ci_optimizer.adapters.git import find_merge_base, head_commit, is_shallow, repo_root, resolve, worktree
from ci_optimizer.errors import EXIT_ERROR, GitError

from .git_helpers import commit, git, new_repo

pytestmark = pytest.mark.integration

def commit_one(repo: Path, name: str, text: str) -> str:
    return commit(repo, {name: text}, f"{name}: {text}")


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | Path]:
    """main: 80 commits, a feature branch forked there with 25 commits, then 5 more on main."""
    repo = new_repo(tmp_path_factory.mktemp("upstream"))
    shas = [commit_one(repo, "main.txt", f"main {i}") for i in range(80)]
    fork = shas[-1]
    git(repo, "checkout", "--quiet", "-b", "feature")
    for i in range(25):
        commit_one(repo, "feature.txt", f"feature {i}")
    git(repo, "checkout", "--quiet", "main")
    for i in range(80, 85):
        commit_one(repo, "main.txt", f"main {i}")
    git(repo, "tag", "v1", fork)
    return {"repo": repo, "fork": fork, "main": git(repo, "rev-parse", "main"),
            "feature": git(repo, "rev-parse", "feature")}


def clone(upstream: dict[str, str | Path], into: Path, *, depth: int | None) -> Path:
    args = ["clone", "--quiet", "--branch", "feature"] + ([f"--depth={depth}"] if depth else [])
    subprocess.run(["git", *args, f"file://{upstream['repo']}", str(into)], check=True, capture_output=True)
    return into


def test_the_merge_base_of_a_full_checkout_needs_no_fetch(upstream: dict[str, str | Path], tmp_path: Path) -> None:
    repo = clone(upstream, tmp_path / "full", depth=None)
    # no local `main` branch: `main` resolves through origin/main, as on a runner with fetch-depth: 0
    found = find_merge_base(repo, "main")
    assert found.commit == upstream["fork"]
    assert found.ref_commit == upstream["main"]
    assert found.fetched == ()
    assert find_merge_base(repo, "v1").commit == upstream["fork"]
    assert repo_root(repo / ".") == repo.resolve()


def test_a_shallow_checkout_fetches_just_enough_to_find_the_merge_base(
    upstream: dict[str, str | Path], tmp_path: Path
) -> None:
    repo = clone(upstream, tmp_path / "shallow", depth=1)
    assert is_shallow(repo)
    assert resolve(repo, str(upstream["main"])) is None
    found = find_merge_base(repo, "main", steps=(4, 16, 64))
    assert found.commit == upstream["fork"]
    feature, main = str(upstream["feature"])[:12], str(upstream["main"])[:12]
    # 25 feature commits past the fork: depth 4 and 16 are not enough, 64 is
    assert found.fetched == (
        f"main ({main}) from origin, 1 commit",
        f"4 commits of main ({main}) and of HEAD ({feature}) from origin",
        f"16 commits of main ({main}) and of HEAD ({feature}) from origin",
        f"64 commits of main ({main}) and of HEAD ({feature}) from origin",
    )
    # deepened, not unshallowed: main's last 64 reach back to main 21, so HEAD holds feature's 25
    # commits and main 21..79, not all 105
    assert is_shallow(repo)
    assert git(repo, "rev-list", "--count", "HEAD") == "84"


def test_the_deepening_is_bounded(upstream: dict[str, str | Path], tmp_path: Path) -> None:
    repo = clone(upstream, tmp_path / "bounded", depth=1)
    with pytest.raises(GitError) as caught:
        find_merge_base(repo, "main", steps=(2, 4))
    assert caught.value.one_line() == (
        "no merge base of main and HEAD within 4 commits of each; "
        "check out more history (actions/checkout with fetch-depth: 0)"
    )


def test_an_unknown_ref_is_an_exit_2_error_naming_it(upstream: dict[str, str | Path], tmp_path: Path) -> None:
    repo = clone(upstream, tmp_path / "unknown", depth=1)
    with pytest.raises(GitError) as caught:
        find_merge_base(repo, "no-such-branch")
    assert caught.value.one_line() == (
        "unknown git ref 'no-such-branch': no branch, tag or commit of that name here or on origin")
    assert caught.value.exit_code == EXIT_ERROR
    with pytest.raises(GitError) as no_remote:
        find_merge_base(Path(str(upstream["repo"])), "nope")
    assert no_remote.value.one_line() == (
        "unknown git ref 'nope': no branch, tag or commit of that name in this repository")


def test_unrelated_histories_have_no_merge_base(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "two-roots")
    commit_one(repo, "a.txt", "a")
    git(repo, "checkout", "--quiet", "--orphan", "other")
    commit_one(repo, "b.txt", "b")
    with pytest.raises(GitError) as caught:
        find_merge_base(repo, "main")
    assert caught.value.one_line() == "main and HEAD have no history in common"


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(GitError, match=r"is not inside a git repository"):
        repo_root(tmp_path)


def test_a_worktree_holds_the_commit_and_is_removed_afterwards(
    upstream: dict[str, str | Path], tmp_path: Path
) -> None:
    repo = clone(upstream, tmp_path / "wt", depth=None)
    with worktree(repo, str(upstream["fork"])) as tree:
        assert (tree / "main.txt").read_text() == "main 79"
        assert not (tree / "feature.txt").exists()
        assert head_commit(tree) == upstream["fork"]
        assert (repo / "feature.txt").read_text() == "feature 24"  # the work tree is untouched
    assert not tree.exists()
    assert not tree.parent.exists()
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_the_worktree_is_removed_when_the_body_fails(upstream: dict[str, str | Path], tmp_path: Path) -> None:
    repo = clone(upstream, tmp_path / "wt-fail", depth=None)
    seen: list[Path] = []

    def build_on_base() -> None:
        with worktree(repo, str(upstream["main"])) as tree:
            seen.append(tree)
            (tree / "scratch.txt").write_text("left behind?")  # an untracked file must not block removal
            raise RuntimeError("build exploded")

    with pytest.raises(RuntimeError, match="build exploded"):
        build_on_base()
    assert len(seen) == 1
    assert not seen[0].exists()
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_a_worktree_of_an_unknown_commit_fails_with_the_git_command(
    upstream: dict[str, str | Path], tmp_path: Path
) -> None:
    repo = clone(upstream, tmp_path / "wt-bad", depth=None)
    with pytest.raises(GitError) as caught, worktree(repo, "f" * 40):
        pass
    assert caught.value.one_line().startswith(f"`git -C {repo} worktree add --quiet --detach ")
    assert "exited with 128: fatal: invalid reference: " + "f" * 40 in caught.value.one_line()
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1
