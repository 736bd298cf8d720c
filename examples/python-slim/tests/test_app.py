from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app import create_app
from app.healthcheck import main as healthcheck


@pytest.fixture
def client() -> FlaskClient:
    return create_app(version="test").test_client()


def test_health_endpoint_answers_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_greets_the_world_by_default(client: FlaskClient) -> None:
    assert client.get("/greet").get_json() == {"message": "hello, world", "version": "test"}


def test_greets_by_name(client: FlaskClient) -> None:
    assert client.get("/greet?name=Ada").get_json()["message"] == "hello, Ada"


def test_rejects_a_name_that_is_too_long(client: FlaskClient) -> None:
    assert client.get("/greet", query_string={"name": "x" * 65}).status_code == 400


def test_unknown_path_is_404_in_json(client: FlaskClient) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not found"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_healthcheck_fails_when_nothing_listens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9")  # discard: nothing answers HTTP there
    assert healthcheck() == 1
