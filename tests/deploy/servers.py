"""Start the portal's own command lines (from docker-compose.yml and the Dockerfile) as real
processes, outside Docker, for the deployment tests."""

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def command_line(service: str) -> list[str]:
    """The service's command as compose runs it (a string is split like a shell would)."""
    command = compose()["services"][service]["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


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
def running(argv: list[str], *, env: dict, port: int, timeout: float = 30):
    """Run argv (a server) until the with-block ends; wait until it accepts connections."""
    process = subprocess.Popen(
        with_venv(argv),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                raise AssertionError(f"{argv[0]} exited with {process.returncode}:\n{output}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{argv[0]} did not listen on {port}") from None
                time.sleep(0.2)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stdout:
            process.stdout.close()


def run_shell(command: str, *, env: dict) -> subprocess.CompletedProcess:
    """A `sh -c` command line of the project, with the virtualenv's tools first on PATH."""
    env = {**env, "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"}
    return subprocess.run(  # noqa: S602 (the project's own command lines)
        command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
