"""ci-optimizer: build every target of a multi-stage Dockerfile, run its tests, measure and judge the images."""

from __future__ import annotations

__version__ = "0.1.0"
