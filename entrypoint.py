#!/usr/bin/env python3
"""The GitHub Action's entrypoint: a thin shim into the package (ci_optimizer/github/action.py).

The runner starts the action's container with the inputs as INPUT_* variables, the workspace
mounted at /github/workspace (the working directory) and GITHUB_OUTPUT/GITHUB_STEP_SUMMARY
pointing at files it reads back after the step.
"""

from __future__ import annotations

import sys

from ci_optimizer.github.action import main

if __name__ == "__main__":
    sys.exit(main())
