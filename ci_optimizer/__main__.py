from __future__ import annotations

from ci_optimizer.cli.main import main

raise SystemExit(main())
