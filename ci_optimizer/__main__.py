from __future__ import annotations

from ci_optimizer.cli import main

raise SystemExit(main())
