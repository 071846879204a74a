"""The shipped deployment started on this machine: nginx with TLS in front of gunicorn instances.

Used by the stack test (``tests/stack/``) and ``benchmarks/faults.py``. Everything runs from
this repository's files: ``deploy/nginx-site.conf`` rendered with free ports and paths under a
temporary folder (a self-signed certificate made with openssl), and ``instances`` gunicorn
processes started with ``deploy/gunicorn.conf.py`` and ``SURVEY_APP_ENV=production``, as
separate app hosts would be. nginx balances round-robin over them, so consecutive requests of
one browser hop between instances. PostgreSQL and Redis must already run.

    with LocalStack(database_url, redis_url, workdir) as stack:
        stack.cli("init-db")
        ...  # drive https://127.0.0.1:<stack.https_port>/ with stack.certificate trusted
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent
PLACEHOLDER = re.compile(r"@[A-Z_]+@")
UPSTREAM_IN_LOG = re.compile(r"upstream=127\.0\.0\.1:(\d+)")
START_TIMEOUT = 60.0
CLI_TIMEOUT = 300.0

NGINX_MAIN = """\
{user}worker_processes auto;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/logs/nginx.error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    include {dir}/survey-app.conf;
}}
"""


def nginx_path() -> str | None:
    """Debian's nginx: /usr/sbin/nginx, else ``nginx`` on PATH."""
    if Path("/usr/sbin/nginx").exists():
        return "/usr/sbin/nginx"
    return shutil.which("nginx")


def unavailable_reason(database_url: str | None, redis_url: str) -> str | None:
    """Why the stack cannot start here (nginx, openssl, PostgreSQL or Redis missing), or None."""
    if nginx_path() is None:
        return "nginx is not installed (apt-get install nginx)"
    if shutil.which("openssl") is None:
        return "openssl is not installed"
    if not database_url or not database_url.startswith("postgresql"):
        return "no PostgreSQL database URL given (SURVEY_APP_TEST_DATABASE_URL)"
    host, port = _redis_address(redis_url)
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as exc:
        return f"Redis does not answer on {host}:{port} ({exc})"
    return None


def _redis_address(redis_url: str) -> tuple[str, int]:
    match = re.match(r"redis://([^:/]+)(?::(\d+))?", redis_url)
    if match is None:
        raise ValueError(f"not a redis:// URL: {redis_url!r}")
    return match.group(1), int(match.group(2) or 6379)


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def render_site(values: dict[str, str]) -> str:
    """``deploy/nginx-site.conf`` with every ``@NAME@`` placeholder filled in from ``values``."""
    text = (DEPLOY / "nginx-site.conf").read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = sorted(set(PLACEHOLDER.findall(text)))
    if left:
        raise ValueError(f"placeholders not filled in: {', '.join(left)}")
    return text


def _stop_group(process: subprocess.Popen | None) -> None:
    """Stop a process started in its own session, with everything it started."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


class LocalStack:
    """nginx (TLS, round-robin) over ``instances`` gunicorn instances of ``workers`` each."""

    def __init__(
        self,
        database_url: str,
        redis_url: str,
        workdir: Path,
        instances: int = 2,
        workers: int = 2,
        extra_env: dict[str, str] | None = None,
    ):
        self.dir = Path(workdir)
        self.logs = self.dir / "logs"
        self.certificate = self.dir / "tls.crt"
        self.certificate_key = self.dir / "tls.key"
        self.https_port = free_port()
        self.http_port = free_port()
        self.app_ports = [free_port() for _ in range(instances)]
        self.workers = workers
        self.base_url = f"https://127.0.0.1:{self.https_port}"
        self.env = dict(os.environ)
        self.env.update(
            SURVEY_APP_ENV="production",
            SURVEY_APP_SECRET_KEY=secrets.token_hex(32),
            SURVEY_APP_DATABASE_URL=database_url,
            SURVEY_APP_RATELIMIT_STORAGE_URI=redis_url,
            SURVEY_APP_PROXY_COUNT="1",
            SURVEY_APP_BASE_URL=self.base_url,
        )
        self.env.update(extra_env or {})
        self.gunicorns: list[subprocess.Popen] = []
        self.nginx: subprocess.Popen | None = None

    # ---------------------------------------------------------------- start and stop

    def __enter__(self) -> LocalStack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def start(self) -> None:
        """Make the certificate, start the gunicorn instances and nginx, wait until they answer."""
        for folder in (self.logs, self.dir / "tmp"):
            folder.mkdir(parents=True, exist_ok=True)
        self._make_certificate()
        for port in self.app_ports:
            self.gunicorns.append(self._start_gunicorn(port))
        for port in self.app_ports:
            self._wait_for(f"http://127.0.0.1:{port}/healthz", f"gunicorn on port {port}")
        self._write_nginx_config()
        with open(self.logs / "nginx.stdout.log", "w") as out:
            self.nginx = subprocess.Popen(
                [nginx_path(), "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_for(f"{self.base_url}/healthz", "nginx")

    def stop(self) -> None:
        """Stop nginx and every gunicorn instance (idempotent)."""
        _stop_group(self.nginx)
        for process in self.gunicorns:
            _stop_group(process)

    def _make_certificate(self) -> None:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", str(self.certificate_key), "-out", str(self.certificate)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    def _start_gunicorn(self, port: int) -> subprocess.Popen:
        command = [
            str(VENV_BIN / "gunicorn"),
            "--config", str(DEPLOY / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(self.workers),
            "wsgi:app",
        ]  # fmt: skip
        with open(self.logs / f"gunicorn-{port}.log", "w") as out:
            return subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _write_nginx_config(self) -> None:
        site = render_site(
            {
                "UPSTREAM_SERVERS": " ".join(
                    f"server 127.0.0.1:{p} max_fails=3 fail_timeout=5s;" for p in self.app_ports
                ),
                "SERVER_NAME": "127.0.0.1 localhost",
                "HTTP_PORT": f"127.0.0.1:{self.http_port}",
                "HTTPS_PORT": f"127.0.0.1:{self.https_port}",
                "TLS_CERTIFICATE": str(self.certificate),
                "TLS_CERTIFICATE_KEY": str(self.certificate_key),
                "LOG_DIR": str(self.logs),
                "STATIC_DIR": str(ROOT / "survey_app" / "static"),
            }
        )
        (self.dir / "survey-app.conf").write_text(site)
        # As root, nginx's workers would otherwise run as nobody, who may not read the checkout.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.dir / "nginx.conf").write_text(NGINX_MAIN.format(user=user, dir=self.dir))

    def _wait_for(self, url: str, what: str) -> None:
        """Poll ``url`` until it answers 200 (as through a proxy over HTTPS), or fail."""
        context = ssl.create_default_context(cafile=str(self.certificate))
        request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in [*self.gunicorns, self.nginx] if p):
                raise RuntimeError(f"{what}: a stack process exited at start\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(request, timeout=2, context=context) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"{what} did not answer {url} in {START_TIMEOUT:.0f} s\n{self.log_tail()}"
        )

    # ---------------------------------------------------------------- using the stack

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run ``survey-app ARGS`` against the stack's database and settings; its output."""
        done = subprocess.run(
            [str(VENV_BIN / "survey-app"), *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
        )
        if done.returncode != 0:
            raise RuntimeError(f"survey-app {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def worker_pids(self) -> list[int]:
        """The process ids of every gunicorn worker now running (children of the masters)."""
        masters = {str(p.pid) for p in self.gunicorns if p.poll() is None}
        workers = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:
                continue
            parent = text[text.rfind(")") + 2 :].split()[1]
            if parent in masters:
                workers.append(int(stat.parent.name))
        return workers

    def log_files(self) -> dict[str, str]:
        """Every log the stack wrote (nginx and gunicorn), by file name."""
        return {p.name: p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log"))}

    def ports_served(self) -> set[int]:
        """The gunicorn ports that nginx's access log shows requests were passed to."""
        access = (self.logs / "survey-app.access.log").read_text(errors="replace")
        return {int(port) for port in UPSTREAM_IN_LOG.findall(access)}

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of every log, for error messages."""
        return "\n".join(
            f"--- {name}\n" + "\n".join(text.splitlines()[-lines:])
            for name, text in self.log_files().items()
        )
