"""docker-compose.yml, the Dockerfile and .env.example describe the stack the README
promises (no Docker engine is needed to check them)."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile() -> list[str]:
    return (ROOT / "Dockerfile").read_text().splitlines()


def test_compose_runs_postgres_redis_web_worker_and_beat(compose):
    assert {"db", "redis", "migrate", *APP_SERVICES} <= set(compose["services"])
    assert compose["services"]["db"]["image"].startswith("postgres:")
    assert compose["services"]["redis"]["image"].startswith("redis:")


def test_every_long_running_service_has_a_health_check(compose):
    for name in ("db", "redis", *APP_SERVICES):
        assert compose["services"][name]["healthcheck"]["test"], name


def test_data_lives_in_named_volumes(compose):
    assert set(compose["volumes"]) == {"pgdata", "redisdata", "media"}
    mounts = {
        name: [v.split(":")[0] for v in service.get("volumes", [])]
        for name, service in compose["services"].items()
    }
    assert mounts["db"] == ["pgdata"]
    assert mounts["redis"] == ["redisdata"]
    for name in APP_SERVICES:
        assert "media" in mounts[name], name  # the worker writes reports the web serves


def test_app_processes_wait_for_migrations_and_healthy_services(compose):
    migrate = compose["services"]["migrate"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        depends = compose["services"][name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"


def test_web_runs_gunicorn_published_on_loopback_only(compose):
    web = compose["services"]["web"]
    assert web["command"][0] == "gunicorn"
    assert all(port.startswith("127.0.0.1:") for port in web["ports"])


def test_beat_uses_the_database_scheduler_via_settings(compose, settings):
    assert "beat" in compose["services"]["beat"]["command"]
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"
    assert "django_celery_beat" in settings.INSTALLED_APPS


def test_compose_keeps_secrets_in_the_env_file(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    assert "${POSTGRES_PASSWORD:?" in text  # refuses to start without it
    for name, service in compose["services"].items():
        environment = service.get("environment", {})
        assert not {"DJANGO_SECRET_KEY", "ALLOCATION_KEY"} & set(environment), name
        if service.get("build"):
            assert service["env_file"] == ".env", name


def test_image_is_python_311_slim_run_by_an_unprivileged_user(dockerfile):
    assert [line for line in dockerfile if line.startswith("FROM ")] == ["FROM python:3.11-slim"]
    users = [line.split()[1] for line in dockerfile if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")


def test_image_collects_static_files_for_whitenoise(dockerfile, settings):
    assert any("collectstatic --noinput" in line for line in dockerfile)
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE


def test_env_example_names_every_variable_production_requires():
    names = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    required = {"DJANGO_SECRET_KEY", "ALLOCATION_KEY", "DJANGO_ALLOWED_HOSTS"}
    compose_vars = set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "docker-compose.yml").read_text()))
    assert required <= names
    assert compose_vars <= names
