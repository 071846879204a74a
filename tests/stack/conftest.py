"""The deployed stack on this machine (``deploy/localstack.py``) for the stack tests.

The tests skip when nginx, openssl, a PostgreSQL test database or Redis is missing, unless
``SURVEY_APP_REQUIRE_STACK=1`` is set (as in CI): then they fail. The stack takes over the
PostgreSQL database in ``SURVEY_APP_TEST_DATABASE_URL`` (its schema is dropped first).
"""

from __future__ import annotations

import os

import pytest

from deploy.localstack import LocalStack, unavailable_reason
from tests.browser.conftest import browser, new_context  # noqa: F401  (fixtures used here)
from tests.conftest import _reset_postgres

REDIS_URL = os.environ.get("SURVEY_APP_STACK_REDIS_URL", "redis://127.0.0.1:6379/3")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """nginx with TLS over two gunicorn instances of 2 workers each, in production mode."""
    database_url = os.environ.get("SURVEY_APP_TEST_DATABASE_URL")
    reason = unavailable_reason(database_url, REDIS_URL)
    if reason:
        if os.environ.get("SURVEY_APP_REQUIRE_STACK") == "1":
            pytest.fail(f"SURVEY_APP_REQUIRE_STACK=1 but {reason}", pytrace=False)
        pytest.skip(f"stack tests skipped: {reason}")
    _reset_postgres(database_url)
    with LocalStack(database_url, REDIS_URL, tmp_path_factory.mktemp("stack")) as running:
        yield running
