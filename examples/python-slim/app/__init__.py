"""The write-up's Python exercise: a Flask service served by waitress, shipped on python:3.11-slim."""

from __future__ import annotations

import os

from flask import Flask, Response, jsonify, request

MAX_NAME = 64


def create_app(version: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config["VERSION"] = version or os.environ.get("APP_VERSION", "dev")

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.get("/greet")
    def greet() -> tuple[Response, int]:
        name = request.args.get("name", "").strip() or "world"
        if len(name) > MAX_NAME:
            return jsonify(error=f"name is longer than {MAX_NAME} characters"), 400
        return jsonify(message=f"hello, {name}", version=app.config["VERSION"]), 200

    @app.errorhandler(404)
    def not_found(_error: Exception) -> tuple[Response, int]:
        return jsonify(error="not found"), 404

    @app.after_request
    def harden(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    return app
