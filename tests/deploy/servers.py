"""Start the portal's own command lines (from docker-compose.yml and the Dockerfile) as real
processes, outside Docker, for the deployment tests."""

import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import dj_database_url
import psycopg
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def command_line(service: str) -> list[str]:
    """The service's command as compose runs it (a string is split like a shell would)."""
    command = compose()["services"][service]["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def stack_environment(
    *, database_url: str, var_dir, redis_url: str | None = None, s3_url: str | None = None
) -> dict:
    """The x-app environment of docker-compose.yml, interpolated as compose would with an
    .env holding the secrets, pointed at this machine's PostgreSQL and Redis; documents in
    the S3 server at `s3_url`, or (without one) on the node's own disk."""
    dot_env = {
        "SECRET_KEY": "compose-test-" + uuid.uuid4().hex,
        "APP_SECRET_ENCRYPTION_KEY": "u6T3kqk2C3WnHQ1sCwqY3v8uZ7c1Cf2mM8b0o9yq6gA=",
        "AWS_SECRET_ACCESS_KEY": "compose-test-" + uuid.uuid4().hex,
        "PORTAL_BASE_URL": "http://localhost:8000",
    }

    def interpolate(value: str) -> str:
        def one(match):
            name, operator, default = match.group(1), match.group(2), match.group(3)
            if name in dot_env:
                return dot_env[name]
            if operator == ":?":
                raise AssertionError(f"compose needs {name}: {default}")
            return default or ""

        return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", one, str(value))

    environment = {k: interpolate(v) for k, v in compose()["x-app"]["environment"].items()}
    environment.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url if redis_url is not None else os.environ.get("REDIS_URL", ""),
        VAR_DIR=str(var_dir),
    )
    if s3_url:
        environment["AWS_S3_ENDPOINT_URL"] = s3_url
    else:
        environment = {k: v for k, v in environment.items() if not k.startswith("AWS_")}
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    secrets = {k: v for k, v in dot_env.items() if not k.startswith("AWS_")}
    return {**keep, **secrets, **environment}


@contextmanager
def own_database(prefix: str):
    """A fresh PostgreSQL database beside DATABASE_URL's, as a deployment's own server would
    hold (not the test database: other processes share it); its URL, dropped afterwards."""
    server = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    user = server["USER"] or "postgres"
    host = server["HOST"] or "127.0.0.1"
    port = server["PORT"] or 5432
    admin = psycopg.connect(
        host=host,
        port=port,
        user=user,
        password=server["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{server['PASSWORD']}" if server["PASSWORD"] else ""
    try:
        yield f"postgres://{user}{password}@{host}:{port}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def dockerfile_runs() -> list[str]:
    """Each `RUN` line of the Dockerfile."""
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    return [line.removeprefix("RUN ").strip() for line in lines if line.startswith("RUN ")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_venv(argv: list[str]) -> list[str]:
    """`python`, `gunicorn`, `celery` … from the virtualenv running the tests."""
    head = argv[0]
    if (BIN / head).exists():
        return [str(BIN / head), *argv[1:]]
    return argv


def fetch(url: str, timeout: float = 60) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextmanager
def running(
    argv: list[str],
    *,
    env: dict,
    port: int | None,
    timeout: float = 30,
    log: Path | None = None,
    ready: str | tuple[str, ...] | None = None,
):
    """Run argv (a server) until the with-block ends; wait until it accepts connections on
    `port`, or (a worker, a beat: nothing listens) until `ready` (or one of them) appears in
    its output.

    With `log`, the output goes to that file (a long run would fill a pipe nobody reads)."""
    output_file = log.open("ab") if log else None
    process = subprocess.Popen(
        with_venv(argv),
        cwd=ROOT,
        env=env,
        stdout=output_file or subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                if log:
                    output = log.read_text(errors="replace")
                elif process.stdout:
                    output = process.stdout.read().decode(errors="replace")
                else:
                    output = ""
                raise AssertionError(f"{argv[0]} exited with {process.returncode}:\n{output}")
            if port is None:
                said = log.read_text(errors="replace") if log else ""
                if ready is None or any(line in said for line in _one_or_more(ready)):
                    break
                if time.monotonic() > deadline:
                    raise AssertionError(f"{argv[0]} did not say {ready!r}") from None
                time.sleep(0.2)
                continue
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{argv[0]} did not listen on {port}") from None
                time.sleep(0.2)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):  # killed by the test already
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stdout:
            process.stdout.close()
        if output_file:
            output_file.close()


def _one_or_more(lines: str | tuple[str, ...]) -> tuple[str, ...]:
    return (lines,) if isinstance(lines, str) else lines


def run_shell(command: str, *, env: dict) -> subprocess.CompletedProcess:
    """A `sh -c` command line of the project, with the virtualenv's tools first on PATH."""
    env = {**env, "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"}
    return subprocess.run(  # noqa: S602 (the project's own command lines)
        command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
