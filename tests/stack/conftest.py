"""Fixtures of the stack tests: they need PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)
and are skipped, saying why, without them. They never touch the machine's Redis or its
PostgreSQL databases other than those they create: each stack gets a private
redis-server and a fresh database copied from one migrated and seeded per session."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import pytest
import redis

from tests.stack.harness import (
    RedisServer,
    Stack,
    build_stack,
    manage,
    pg_create_database,
    pg_drop_database,
    pg_execute,
    python_module,
    stack_environment,
)

SEED_PARTICIPANTS = 12


def _why_not() -> str | None:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        return "stack tests need DATABASE_URL=postgres://... (the embedded SQLite default is set)"
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url.startswith("redis"):
        return "stack tests need REDIS_URL=redis://... (unset: Celery runs in-process)"
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"stack tests need Redis: REDIS_URL does not answer ({exc})"
    if shutil.which("redis-server") is None:
        return "stack tests start their own redis-server, which is not installed"
    try:
        pg_execute(database_url, "SELECT 1")
    except Exception as exc:  # noqa: BLE001
        return f"stack tests need PostgreSQL: DATABASE_URL does not answer ({exc})"
    return None


@pytest.fixture(scope="session")
def pg_server() -> str:
    reason = _why_not()
    if reason:
        pytest.skip(reason)
    return os.environ["DATABASE_URL"]


@pytest.fixture(scope="session")
def stack_session_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
def stack_template(pg_server, stack_session_dir):
    """A database migrated and seeded once (a trial in progress), with static files
    collected; each test's stack runs on a copy."""
    name = f"stack_tmpl_{uuid.uuid4().hex[:10]}"
    url = pg_create_database(pg_server, name)
    env = stack_environment(
        database_url=url, redis_url="redis://127.0.0.1:1/0", workdir=stack_session_dir
    )
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        seeded = json.loads(
            python_module(env, "tests.stack.seed", "--participants", str(SEED_PARTICIPANTS))
            .strip()
            .splitlines()[-1]
        )
    except Exception:
        pg_drop_database(pg_server, name)
        raise
    yield {
        "name": name,
        "seed": seeded,
        "allocation_key": env["ALLOCATION_KEY"],
        "var": env["APP_VAR_DIR"],
    }
    pg_drop_database(pg_server, name)


@pytest.fixture
def stack_db(pg_server, stack_template):
    name = f"stack_{uuid.uuid4().hex[:10]}"
    url = pg_create_database(pg_server, name, template=stack_template["name"])
    yield url
    pg_drop_database(pg_server, name)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def make_stack(stack_template, tmp_path):
    """Build stacks that are stopped at teardown, their log printed if the test fails."""
    made: list[Stack] = []

    def build(**kwargs) -> Stack:
        stack = build_stack(stack_template, tmp_path / f"stack{len(made)}", **kwargs)
        made.append(stack)
        return stack

    yield build
    for stack in made:
        stack.stop()
        print(f"--- {stack.log_path} (last lines) ---\n{stack.log()[-4000:]}")


@pytest.fixture
def seed(stack_template) -> dict:
    return stack_template["seed"]
