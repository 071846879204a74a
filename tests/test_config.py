"""Configuration from the environment, with safe defaults."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from survey_app import create_app
from survey_app.config import ConfigurationError
from survey_app.db import engine


def test_production_without_secret_key_refuses_with_a_clear_message(monkeypatch):
    monkeypatch.delenv("SURVEY_APP_SECRET_KEY", raising=False)
    monkeypatch.setenv("SURVEY_APP_ENV", "production")
    with pytest.raises(ConfigurationError, match="SURVEY_APP_SECRET_KEY is not set"):
        create_app()


def test_unknown_environment_name_is_refused(monkeypatch):
    monkeypatch.setenv("SURVEY_APP_ENV", "prod")
    with pytest.raises(ConfigurationError, match="SURVEY_APP_ENV must be"):
        create_app()


def test_development_generates_and_keeps_a_secret_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("SURVEY_APP_SECRET_KEY", raising=False)
    monkeypatch.setenv("SURVEY_APP_ENV", "development")
    monkeypatch.setenv("SURVEY_APP_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    from survey_app.config import load_config

    first = load_config(tmp_path / "instance")
    second = load_config(tmp_path / "instance")
    assert len(first["SECRET_KEY"]) >= 64 and first["SECRET_KEY"] == second["SECRET_KEY"]
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0
    assert first["SESSION_COOKIE_SECURE"] is False


def test_environment_variables_are_read(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEY_APP_ENV", "production")
    monkeypatch.setenv("SURVEY_APP_SECRET_KEY", "s" * 64)
    monkeypatch.setenv("SURVEY_APP_DATABASE_URL", f"sqlite:///{tmp_path / 'y.sqlite3'}")
    app = create_app()
    assert app.config["SECRET_KEY"] == "s" * 64
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["DATABASE_URL"].endswith("y.sqlite3")
    app.extensions["db_engine"].dispose()


def test_default_database_is_sqlite_in_instance_folder_with_wal_and_foreign_keys(monkeypatch):
    monkeypatch.delenv("SURVEY_APP_DATABASE_URL", raising=False)
    app = create_app({"ENV_NAME": "testing", "SECRET_KEY": "x"})
    assert app.config["DATABASE_URL"] == f"sqlite:///{app.instance_path}/survey_app.sqlite3"
    with app.app_context(), engine().connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    app.extensions["db_engine"].dispose()


def test_security_headers_are_sent(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_unknown_page_gets_a_danish_404(client):
    response = client.get("/findes/ikke")
    assert response.status_code == 404
    assert 'lang="da"' in response.get_data(as_text=True)


@pytest.mark.parametrize(("proxies", "statuses"), [(1, [404, 404, 404]), (0, [404, 404, 429])])
def test_rate_limits_see_the_client_behind_the_configured_proxies(
    database_url, tmp_path, proxies, statuses
):
    from tests.conftest import make_test_app

    app = make_test_app(
        database_url, tmp_path, TOKEN_GUESS_LIMIT="2 per minute", PROXY_COUNT=proxies
    )
    client = app.test_client()
    seen = [
        client.get(f"/s/guess-{n}", headers={"X-Forwarded-For": address}).status_code
        for n, address in enumerate(["10.0.0.1", "10.0.0.1", "10.0.0.2"])
    ]
    # Behind a proxy each forwarded client has its own count; without one, the header is
    # ignored (anyone could forge it) and all requests come from the same address.
    assert seen == statuses
    app.extensions["db_engine"].dispose()
