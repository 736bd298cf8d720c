"""The action as a matrix: legs (`shard`) post no comment; the final job (`merge-reports`) posts the one."""

from __future__ import annotations

import shutil
import uuid
from typing import Any

from tests.e2e.harness import REPO, Project, pr_event
from tests.fakes.github_api import FakeGitHub

PR = 31


def test_legs_post_nothing_and_the_merge_job_leaves_exactly_one_comment(project: Project, fake: FakeGitHub,
                                                                         run_action: Any) -> None:
    event = pr_event(project)
    event["number"] = event["pull_request"]["number"] = PR
    legs = project.root / f"legs-{uuid.uuid4().hex[:6]}"  # as actions/download-artifact lays them out
    try:
        for k in (1, 2):
            leg = run_action({"shard": f"{k}/2"}, event=event)
            assert leg.code == 0, leg.log
            assert f"ci-optimizer: shard {k}/2: no comment; the merge-reports job posts the one" in leg.stdout
            (legs / f"report-{k}").mkdir(parents=True)
            shutil.copy(project.root / leg.outputs["report"], legs / f"report-{k}" / "report.json")
        assert fake.comments(REPO, PR) == []

        merged = run_action({"merge-reports": f"{legs.name}/*/report.json"}, event=event)
        assert merged.code == 0, merged.log
        assert merged.outputs["passed"] == "true"
        (comment,) = fake.comments(REPO, PR)
        assert "### ✅ ci-optimizer: passed" in comment.body
        assert merged.outputs["comment-url"].endswith(f"#issuecomment-{comment.id}")
        assert "### ✅ ci-optimizer: passed" in merged.summary
        assert "merging 2 report(s)" in merged.stdout

        again = run_action({"merge-reports": f"{legs.name}/*/report.json"}, event=event)
        assert again.code == 0, again.log
        assert len(fake.comments(REPO, PR)) == 1  # edited in place, as any run's comment

        missing = run_action({"merge-reports": "no-such-dir/*.json"}, event=event)
        assert missing.code == 2
        assert "::error title=ci-optimizer::input merge-reports: no file matches 'no-such-dir/*.json'" in missing.stdout
    finally:
        shutil.rmtree(legs, ignore_errors=True)
