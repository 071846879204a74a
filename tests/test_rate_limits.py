"""Rate limits count and block only what is guessed: unknown links per address (a known link
always opens), failed sign-ins per account, per address and account, and per address."""

from __future__ import annotations

import uuid

import pytest
import redis

from survey_app import create_app
from survey_app.config import ConfigurationError
from tests.conftest import PASSWORD, add_user, csrf_token_from, invite, make_test_app, open_wave

OFFICE = "10.1.1.1"
ELSEWHERE = "10.2.2.2"


@pytest.fixture
def limited_app(database_url, tmp_path, request):
    """An app with the given limits (``indirect`` parameters), an open wave and two users."""
    app = make_test_app(database_url, tmp_path, **getattr(request, "param", {}))
    open_wave(app)
    add_user(app, "a@example.dk", "evaluator")
    add_user(app, "b@example.dk", "evaluator")
    yield app
    app.extensions["db_engine"].dispose()


def client_at(app, address):
    """A test client whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign_in_from(app, address, email, password):
    """One sign-in attempt through the real form from ``address``; returns the response."""
    client = client_at(app, address)
    token = csrf_token_from(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def assert_retry_after(reply, at_most_seconds):
    assert reply.status_code == 429
    assert 1 <= int(reply.headers["Retry-After"]) <= at_most_seconds
    assert "For mange forsøg" in reply.text and "prøv igen" in reply.text


@pytest.mark.parametrize("limited_app", [{"TOKEN_GUESS_LIMIT": "20 per 10 minutes"}], indirect=True)
def test_unknown_links_do_not_block_a_valid_link_from_the_same_address(limited_app):
    app = limited_app
    [token] = invite(app)
    client = client_at(app, OFFICE)
    statuses = [client.get(f"/s/guess-{n}").status_code for n in range(21)]
    assert statuses == [404] * 20 + [429]
    assert client.get(f"/s/{token}").status_code == 200  # a colleague's real link still opens
    refused = client.get("/s/guess-21")
    assert_retry_after(refused, 600)
    assert "forkerte links" in refused.text
    assert client_at(app, ELSEWHERE).get("/s/guess-x").status_code == 404


@pytest.mark.parametrize("limited_app", [{"TOKEN_GUESS_LIMIT": "2 per minute"}], indirect=True)
def test_known_links_are_not_counted_and_open_past_the_limit(limited_app):
    [token] = invite(limited_app)
    client = client_at(limited_app, OFFICE)
    assert [client.get(f"/s/{token}").status_code for _ in range(5)] == [200] * 5
    statuses = [client.get(f"/s/guess-{n}").status_code for n in range(3)]
    assert statuses == [404, 404, 429]  # the known link's requests used none of the two
    assert client.get(f"/s/{token}").status_code == 200
    # The opt-out page counts apart. This invitation has no mail participant, so its page is
    # a 404, but the link exists: those are not counted either.
    assert [client.get(f"/paamindelser/{token}").status_code for _ in range(3)] == [404] * 3
    statuses = [client.get(f"/paamindelser/guess-{n}").status_code for n in range(3)]
    assert statuses == [404, 404, 429]


@pytest.mark.parametrize("limited_app", [{"TOKEN_GUESS_LIMIT": "2 per minute"}], indirect=True)
def test_guesses_with_a_stale_csrf_token_are_counted_too(limited_app):
    client = client_at(limited_app, OFFICE)
    statuses = [
        client.post(f"/s/guess-{n}", data={"action": "save", "csrf_token": "stale"}).status_code
        for n in range(3)
    ]
    assert statuses == [404, 404, 429]


def test_failed_sign_ins_block_the_account_not_the_colleagues_behind_the_same_address(
    limited_app,
):
    app = limited_app
    statuses = [sign_in_from(app, OFFICE, "a@example.dk", "wrong!").status_code for _ in range(5)]
    assert statuses == [401] * 5
    sixth = sign_in_from(app, OFFICE, "a@example.dk", "wrong!")
    assert_retry_after(sixth, 60)
    assert "mislykkede forsøg på at logge ind" in sixth.text
    # A colleague behind the same address signs in to her own account.
    assert sign_in_from(app, OFFICE, "B@example.dk", PASSWORD).status_code == 302
    # The guessed account stays limited from anywhere, even with the right password.
    assert sign_in_from(app, ELSEWHERE, "a@example.dk", PASSWORD).status_code == 429


@pytest.mark.parametrize(
    "limited_app",
    [{"LOGIN_ADDRESS_ACCOUNT_FAILURE_LIMIT": "2 per minute", "LOGIN_FAILURE_LIMIT": "9 per hour"}],
    indirect=True,
)
def test_failed_sign_ins_are_limited_per_address_and_account(limited_app):
    app = limited_app
    statuses = [sign_in_from(app, OFFICE, "a@example.dk", "wrong!").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    assert sign_in_from(app, ELSEWHERE, "a@example.dk", "wrong!").status_code == 401
    assert sign_in_from(app, OFFICE, "b@example.dk", "wrong!").status_code == 401


@pytest.mark.parametrize(
    "limited_app", [{"LOGIN_ADDRESS_FAILURE_LIMIT": "3 per hour"}], indirect=True
)
def test_failed_sign_ins_on_many_accounts_meet_the_per_address_ceiling(limited_app):
    app = limited_app
    statuses = [
        sign_in_from(app, OFFICE, f"user-{n}@example.dk", "wrong!").status_code for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    assert sign_in_from(app, ELSEWHERE, "user-9@example.dk", "wrong!").status_code == 401


def test_the_default_per_address_ceiling_is_much_higher_than_the_account_limits(app):
    assert app.config["LOGIN_ADDRESS_FAILURE_LIMIT"] == "100 per hour"
    assert app.config["LOGIN_FAILURE_LIMIT"] == "5 per minute;20 per hour"
    assert app.config["LOGIN_ADDRESS_ACCOUNT_FAILURE_LIMIT"] == "5 per minute;10 per hour"


def test_counts_are_shared_through_redis(database_url, tmp_path):
    """Workers share the counts when the storage is Redis (db 5, keys under a fresh prefix)."""
    prefix = f"test-{uuid.uuid4().hex}"
    app = make_test_app(
        database_url,
        tmp_path,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/5",
        RATELIMIT_KEY_PREFIX=prefix,
        TOKEN_GUESS_LIMIT="2 per minute",
    )
    store = redis.Redis.from_url("redis://127.0.0.1:6379/5")
    try:
        client = client_at(app, OFFICE)
        assert [client.get(f"/s/guess-{n}").status_code for n in range(3)] == [404, 404, 429]
        assert store.keys(f"*{prefix}*")
    finally:
        for key in store.keys(f"*{prefix}*"):
            store.delete(key)
        app.extensions["db_engine"].dispose()


def production_app(tmp_path, monkeypatch, **variables):
    """``create_app()`` in production with a secret, and of the rate-limit storage variables
    only ``variables`` (names without the ``SURVEY_APP_`` prefix) set."""
    for name in ("RATELIMIT_STORAGE_URI", "RATELIMIT_SINGLE_WORKER", "REDIS_URL"):
        monkeypatch.delenv(f"SURVEY_APP_{name}", raising=False)
    monkeypatch.setenv("SURVEY_APP_ENV", "production")
    monkeypatch.setenv("SURVEY_APP_SECRET_KEY", "s" * 64)
    database = tmp_path / f"{uuid.uuid4().hex}.sqlite3"
    monkeypatch.setenv("SURVEY_APP_DATABASE_URL", f"sqlite:///{database}")
    for name, value in variables.items():
        monkeypatch.setenv(f"SURVEY_APP_{name}", value)
    app = create_app()
    app.extensions["db_engine"].dispose()
    return app


def test_production_counts_in_redis_by_default(tmp_path, monkeypatch):
    app = production_app(tmp_path, monkeypatch)
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    app = production_app(tmp_path, monkeypatch, REDIS_URL="redis://cache.internal:6379/3")
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/3"


def test_production_refuses_per_worker_counting(tmp_path, monkeypatch):
    with pytest.raises(ConfigurationError, match="SURVEY_APP_RATELIMIT_SINGLE_WORKER=1"):
        production_app(tmp_path, monkeypatch, RATELIMIT_STORAGE_URI="memory://")


def test_production_allows_memory_counting_for_a_single_worker(tmp_path, monkeypatch):
    app = production_app(
        tmp_path, monkeypatch, RATELIMIT_STORAGE_URI="memory://", RATELIMIT_SINGLE_WORKER="1"
    )
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_the_app_refuses_to_start_with_limits_only_flask_limiters_own_hook_would_check(
    database_url, tmp_path, monkeypatch
):
    from flask_limiter._manager import LimitManager

    # Only view limits are checked (rate_limits.check_limits_in_views_only); a default limit
    # would be skipped without flask-limiter's before_request hook, so starting is refused.
    monkeypatch.setattr(LimitManager, "default_limits", property(lambda _self: ["1 per day"]))
    with pytest.raises(RuntimeError, match="default rate limits"):
        make_test_app(database_url, tmp_path)


def test_flask_limiters_own_check_before_every_request_is_removed(limited_app):
    from survey_app.extensions import limiter, talisman

    # The view limits are still checked by their decorators (the tests above); only the
    # hook that would look for application-wide and default limits is gone, not the others.
    hooks = limited_app.before_request_funcs.get(None, [])
    assert limiter._check_request_limit not in hooks
    assert talisman._force_https in hooks
