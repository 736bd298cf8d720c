"""The action's two matrix roles: a leg (`shard`) and the final merge (`merge-reports`).

The merge job runs the same publishing path as a normal run (report file, annotations, summary,
the one sticky comment, outputs, exit code); only where the report comes from differs: the legs'
uploaded reports, merged, instead of a build. Nothing is built, so the job needs no engine.
"""

from __future__ import annotations

import glob
from collections.abc import Callable
from pathlib import Path

from ci_optimizer.compare.baseline import merge_saved
from ci_optimizer.errors import UsageError
from ci_optimizer.github.action_settings import ActionSettings
from ci_optimizer.model.results import Report
from ci_optimizer.pipeline.request import Request, Session
from ci_optimizer.ports import Log


def leg_reports(pattern: str, workspace: str) -> list[Path]:
    """The files `pattern` matches, relative to the workspace (`**` crosses directories), sorted."""
    matches = sorted(glob.glob(pattern, root_dir=workspace, recursive=True))
    files = [Path(workspace) / m for m in matches if (Path(workspace) / m).is_file()]
    if not files:
        raise UsageError(f"input merge-reports: no file matches {pattern!r} in {workspace} "
                         "(did the download step put the legs' reports there?)")
    return files


def merged_pipeline(settings: ActionSettings, pattern: str) -> Callable[[Request, Session, Log], Report]:
    """A stand-in for the spine that merges the legs' reports instead of building."""

    def merged(_request: Request, _session: Session, log: Log) -> Report:
        files = leg_reports(pattern, settings.runner.workspace)
        log(f"ci-optimizer: merging {len(files)} report(s): {', '.join(str(f) for f in files)}")
        return merge_saved(files, allow_partial=False)

    return merged
