"""`python -m app`: serve with waitress (pure Python, writes nothing to disk: read-only friendly)."""

from __future__ import annotations

import os

from waitress import serve

from app import create_app

if __name__ == "__main__":
    serve(create_app(), host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
