"""Real processes for the stack tests and the load benchmark: a private Redis, PostgreSQL
databases (or a throwaway PostgreSQL cluster), the stack started by bin/stack, and an
HTTP client that talks to gunicorn the way the TLS-terminating proxy does.

Everything listens on 127.0.0.1 only, on ports picked free at start.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis
import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PASSWORD = "stack-test-password-1"  # noqa: S105 (throwaway accounts of a throwaway database)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check: Callable[[], object], *, timeout: float, what: str, every: float = 0.2):
    """Poll `check` until it returns something truthy; return it, or fail naming `what`."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except Exception as exc:  # noqa: BLE001 (any failure means "not yet")
            last_error = exc
        else:
            if result:
                return result
        time.sleep(every)
    raise TimeoutError(f"{what}: not after {timeout:.0f}s (last error: {last_error!r})")


# -- Redis ---------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own, on a free loopback port, keeping nothing on disk."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--logfile",
                str(self.workdir / "redis.log"),
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        wait_for(client.ping, timeout=15, what=f"redis on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


# -- PostgreSQL ------------------------------------------------------------------------------


def pg_url(server_url: str, database: str) -> str:
    parts = urlsplit(server_url)
    return parts._replace(path=f"/{database}").geturl()


def pg_connect(url: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), **kwargs)


def pg_execute(server_url: str, *statements: str) -> None:
    """Run statements on the server's `postgres` database, outside a transaction."""
    with pg_connect(pg_url(server_url, "postgres"), autocommit=True, connect_timeout=10) as conn:
        for statement in statements:
            conn.execute(statement)


def pg_fetch(url: str, query: str, params=()) -> list[tuple]:
    with pg_connect(url, connect_timeout=10) as conn:
        return conn.execute(query, params).fetchall()


def pg_create_database(server_url: str, name: str, *, template: str | None = None) -> str:
    pg_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    suffix = f' TEMPLATE "{template}"' if template else ""
    pg_execute(server_url, f'CREATE DATABASE "{name}"{suffix}')
    return pg_url(server_url, name)


def pg_drop_database(server_url: str, name: str) -> None:
    pg_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_binaries() -> Path | None:
    """The folder of initdb and pg_ctl, or None when the server programs are missing."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    if found:
        return found[0].parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


class PostgresCluster:
    """A throwaway PostgreSQL cluster (initdb in a temporary folder, its own port), so a
    test can stop and restart a database server without touching the machine's own."""

    def __init__(self) -> None:
        binaries = pg_binaries()
        if binaries is None:
            raise RuntimeError("PostgreSQL server programs (initdb, pg_ctl) not found")
        self.bin = binaries
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="stack-pg-"))
        self.data = self.dir / "data"
        self.url = ""  # of the database a test puts in it
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres", "postgres")

    @property
    def server_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> None:
        subprocess.run(
            [*self.as_user, *args], check=True, capture_output=True, text=True, timeout=timeout
        )

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"),
            "-D", str(self.data),
            "-U", "postgres",
            "--auth=trust",
            "--no-sync",
            "-E", "UTF8",
        )  # fmt: skip

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            action,
            "-D", str(self.data),
            "-l", str(self.dir / "server.log"),
            "-o", options,
            "-w",
            "-t", "60",
            *extra,
        )  # fmt: skip

    def start(self) -> None:
        self._pg_ctl("start")

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast")

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "fast")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# -- the stack -------------------------------------------------------------------------------


def stack_environment(*, database_url: str, redis_url: str, workdir: Path) -> dict[str, str]:
    """The environment of a production deployment on loopback, with fresh secrets."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_", "GUNICORN_", "STACK_", "AXES_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOCATION_KEY=Fernet.generate_key().decode(),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        APP_VAR_DIR=str(workdir / "var"),
        APP_MEDIA_ROOT=str(workdir / "media"),
        APP_CODE_VERSION="stack-test",
        MPLCONFIGDIR=str(workdir / "matplotlib"),
        SEED_PASSWORD=PASSWORD,
        PYTHON=PYTHON,
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
    )
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def python_module(env: dict[str, str], module: str, *args: str, timeout: float = 1800) -> str:
    result = subprocess.run(
        [PYTHON, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"python -m {module} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


@dataclass
class Stack:
    """bin/stack in its own session: gunicorn, a Celery worker and beat."""

    env: dict[str, str]
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.run_dir = self.workdir / "run"
        self.log_path = self.workdir / "stack.log"
        self.env = {
            **self.env,
            "STACK_BIND": f"127.0.0.1:{self.port}",
            "STACK_RUN_DIR": str(self.run_dir),
            "STACK_READY_TIMEOUT": self.env.get("STACK_READY_TIMEOUT", "120"),
            "STACK_STOP_TIMEOUT": self.env.get("STACK_STOP_TIMEOUT", "20"),
        }

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 180) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / "ready").unlink(missing_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(ROOT / "bin" / "stack")],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

        def ready() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"bin/stack exited ({self.process.returncode}):\n{self.log()}")
            return (self.run_dir / "ready").exists()

        try:
            wait_for(ready, timeout=timeout, what="the stack to be ready", every=0.5)
        except (TimeoutError, RuntimeError) as exc:
            self.stop()
            raise RuntimeError(f"{exc}\n--- stack log ---\n{self.log()[-6000:]}") from exc

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def pid(self, name: str) -> int:
        return int((self.run_dir / f"{name}.pid").read_text())

    def children(self, pid: int) -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(stat.parent.name))
        return found

    def kill(self, name: str) -> list[int]:
        """SIGKILL one of the stack's processes and its children; return the pids."""
        main = self.pid(name)
        victims = [main, *self.children(main)]
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return victims

    def wait_restarted(self, name: str, old_pid: int, *, timeout: float = 60) -> int:
        def restarted() -> int | None:
            pid = self.pid(name)
            return pid if pid != old_pid and _alive(pid) else None

        return wait_for(restarted, timeout=timeout, what=f"{name} to be started again")

    def stop(self, *, timeout: float = 60) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code


def build_stack(
    template: dict, workdir: Path, *, database_url: str, redis_url: str, skip_setup=True, **extra
) -> Stack:
    """A stack (not started) on the given database and Redis, for the seeded template."""
    env = stack_environment(database_url=database_url, redis_url=redis_url, workdir=workdir)
    env.update(
        {
            "ALLOCATION_KEY": template["allocation_key"],  # the seeded list was sealed with it
            "APP_VAR_DIR": template["var"],  # static files collected once
            "STACK_SKIP_SETUP": "1" if skip_setup else "0",
            "STACK_STOP_TIMEOUT": "40",
            "GUNICORN_WORKERS": "2",
            "CELERY_CONCURRENCY": "1",
        }
    )
    env.update({k: str(v) for k, v in extra.items()})
    return Stack(env=env, workdir=workdir)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# -- HTTP ------------------------------------------------------------------------------------


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class StackClient:
    """A browser-like session against gunicorn, as seen through the HTTPS proxy:
    X-Forwarded-Proto https, a same-origin https Referer, Secure cookies kept."""

    def __init__(self, base_url: str, *, timeout: float = 30):
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).netloc
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update({"X-Forwarded-Proto": "https"})

    def _url(self, path: str) -> str:
        parts = urlsplit(path)
        if parts.scheme:  # a redirect to https://host/...: same place through the proxy
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.base_url + path

    def _headers(self, referer_path: str) -> dict[str, str]:
        # The cookies are Secure: sent by hand, since requests keeps them for https.
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)
        headers = {"Referer": f"https://{self.host}{referer_path}"}
        if cookies:
            headers["Cookie"] = cookies
        return headers

    def request(self, method: str, path: str, *, follow: bool = True, **kwargs):
        response = self.session.request(
            method,
            self._url(path),
            headers={**self._headers(urlsplit(path).path), **kwargs.pop("headers", {})},
            allow_redirects=False,
            timeout=kwargs.pop("timeout", self.timeout),
            **kwargs,
        )
        hops = 0
        while follow and response.is_redirect and hops < 10:
            hops += 1
            response = self.session.get(
                self._url(response.headers["Location"]),
                headers=self._headers("/"),
                allow_redirects=False,
                timeout=self.timeout,
            )
        return response

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def csrf_token(self, page: str) -> str:
        match = CSRF_FIELD.search(page)
        if not match:
            raise AssertionError("no CSRF token in the page")
        return html.unescape(match.group(1))

    def submit(self, path: str, data: dict, *, follow: bool = True, **kwargs):
        """GET the form at `path`, then POST `data` to it with the page's CSRF token."""
        form = self.get(path)
        form.raise_for_status()
        return self.post(
            path,
            {**data, "csrfmiddlewaretoken": self.csrf_token(form.text)},
            follow=follow,
            **kwargs,
        )

    def post(self, path: str, data: dict, **kwargs):
        return self.request("POST", path, data=data, **kwargs)

    def login(self, username: str, password: str = PASSWORD) -> None:
        response = self.submit("/accounts/login/", {"username": username, "password": password})
        response.raise_for_status()
        if "sessionid" not in self.session.cookies:
            raise AssertionError(f"login as {username} failed:\n{response.text[:2000]}")


@contextlib.contextmanager
def running(stack: Stack) -> Iterator[Stack]:
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
