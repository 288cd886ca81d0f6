"""What every benchmark of bench/run.py shares: the servers, wrk, the rows of the table.

A benchmark is a module of bench/ with a function `rows(ctx: Context) -> list[Row]`; bench/run.py
calls each in turn with one Context (one PostgreSQL database, one Redis database, the bare
baseline and the portal started from the same gunicorn command line) and writes the table.
Ratios are always against the bare project in bench/bare/, served in the same run on the same
cores: never against an endpoint inside the portal.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
SCRIPTS = Path(__file__).resolve().parent


@dataclass
class Row:
    """One line of the results table."""

    name: str
    figure: str  # what was measured, formatted ("5,412 req/s", "38.1 ms")
    target: str  # what it must meet (">= 0.9 x bare", "<= 100 ms")
    ok: bool
    baseline: str = ""  # the bare figure compared with, if any
    ratio: float | None = None
    detail: str = ""  # sent/stored counts, queries, …


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors plus statuses other than the expected ones
    extra: dict = field(default_factory=dict)  # what a Lua script printed (BENCH k=v …)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Context:
    """One benchmark run: the environment and the servers every benchmark shares."""

    database_url: str
    redis_url: str
    seconds: int = 5
    connections: int = 32
    rounds: int = 3
    workers: int = 4
    quick: bool = False
    partners: int = 100_000  # bench_data partners for the page benchmarks (10 applications each)
    wrk_binary: str = ""
    portal_port: int = 0
    bare_port: int = 0
    env: dict = field(default_factory=dict)  # the portal's environment

    def portal(self, path: str) -> str:
        return f"http://127.0.0.1:{self.portal_port}{path}"

    def bare(self, path: str) -> str:
        return f"http://127.0.0.1:{self.bare_port}{path}"

    def manage(self, *args: str, env: dict | None = None) -> str:
        """Run a management command of the portal against the benchmark's database."""
        out = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=env or self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is not installed; run as root (apt-get install wrk) or install it yourself.")
    print("Installing wrk with apt-get …", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=False)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def portal_env(database_url: str, redis_url: str, **extra: str) -> dict:
    """The portal as production runs it: DEBUG off, PostgreSQL + Redis, plain HTTP locally."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        # Stable across runs: app secrets in the database are encrypted with a derived key.
        SECRET_KEY=hashlib.sha256(f"bench:{ROOT}".encode()).hexdigest(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        # The benchmarks sign the reviewer in to the admin with a password (its pages and
        # the Approve button are measured, not two-factor sign-in).
        REQUIRE_STAFF_MFA="0",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="partner_center.settings",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def bare_env() -> dict:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "bench.bare.settings"
    return env


def gunicorn_command(app: str, port: int, workers: int) -> list[str]:
    """The compose web service's server: gunicorn, sync workers. Same line for both sides."""
    return [
        str(BIN / "gunicorn"),
        app,
        "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning",
    ]  # fmt: skip


@contextmanager
def gunicorn(
    app: str, env: dict, port: int, *, workers: int = 4, ready_path: str = "/"
) -> Iterator[subprocess.Popen]:
    """Serve `app` until the with-block ends; wait until `ready_path` answers at all."""
    server = subprocess.Popen(
        gunicorn_command(app, port, workers), env=env, cwd=ROOT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn {app} exited with {server.returncode}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("HEAD", ready_path)
                connection.getresponse()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn {app} did not answer on {port}") from None
                time.sleep(0.3)
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


_LATENCY = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(
    ctx: Context,
    url: str,
    *,
    seconds: int | None = None,
    connections: int | None = None,
    script: Path | None = None,
    script_args: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> WrkResult:
    """One wrk run (2 threads). Latency percentiles from --latency; a Lua script may print
    a line `BENCH key=value …` whose integers land in `extra`."""
    seconds = seconds or ctx.seconds
    connections = connections or ctx.connections
    command = [ctx.wrk_binary, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header, header_value in (headers or {}).items():
        command += ["-H", f"{header}: {header_value}"]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    duration = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    if duration is None:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    requests = int(duration.group(1))
    amount, unit = float(duration.group(2)), duration.group(3)
    seconds_taken = amount * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]
    latency = {int(p): float(v) * _UNITS[u] for p, v, u in _LATENCY.findall(out)}
    errors = 0
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        errors += int(non_2xx.group(1))
    extra: dict = {}
    bench_line = next((ln for ln in out.splitlines() if ln.startswith("BENCH ")), "")
    extra.update({k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", bench_line)})
    return WrkResult(
        requests=requests,
        seconds=seconds_taken,
        p50_ms=latency.get(50, 0.0),
        p99_ms=latency.get(99, 0.0),
        errors=errors,
        extra=extra,
    )


def alternate(ctx: Context, runs: dict[str, dict]) -> dict[str, list[WrkResult]]:
    """Each named wrk run (keyword arguments of `wrk`), in alternating rounds: portal and
    baseline see the same machine, warm-up first."""
    for kwargs in runs.values():
        wrk(ctx, **{**kwargs, "seconds": 1})
    results: dict[str, list[WrkResult]] = {name: [] for name in runs}
    for _ in range(ctx.rounds):
        for name, kwargs in runs.items():
            results[name].append(wrk(ctx, **kwargs))
    return results


def summary(results: list[WrkResult]) -> WrkResult:
    """The rounds together: total requests over total time; the worst round's percentiles."""
    extra: dict = {}
    for result in results:
        for key, value in result.extra.items():
            extra[key] = extra.get(key, 0) + value
    return WrkResult(
        requests=sum(r.requests for r in results),
        seconds=sum(r.seconds for r in results),
        p50_ms=max(r.p50_ms for r in results),
        p99_ms=max(r.p99_ms for r in results),
        errors=sum(r.errors for r in results),
        extra=extra,
    )


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _version(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "not found"


def machine(ctx: Context) -> dict[str, str]:
    """What the figures were measured on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    postgres = _version(["psql", ctx.database_url, "-Atc", "SHOW server_version"])
    redis_version = "not used"
    if ctx.redis_url:
        import redis

        try:
            info = redis.Redis.from_url(ctx.redis_url, socket_timeout=2).info("server")
            redis_version = str(info.get("redis_version"))
        except redis.RedisError as error:
            redis_version = f"unreachable ({error})"
    import django

    return {
        "Cores": str(os.cpu_count()),
        "CPU": cpu,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "PostgreSQL": postgres,
        "Redis": redis_version,
        "wrk": _version([ctx.wrk_binary, "-v"]).splitlines()[0] if ctx.wrk_binary else "",
        "gunicorn": f"{ctx.workers} sync workers, same command line for portal and baseline",
    }


def table(rows: list[Row]) -> str:
    lines = [
        "| measure | portal | bare Django | ratio | target | met | detail |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else ""
        met = "yes" if row.ok else "**no**"
        lines.append(
            f"| {row.name} | {row.figure} | {row.baseline} | {ratio} | {row.target} | {met} "
            f"| {row.detail} |"
        )
    return "\n".join(lines)


def write_results(path: Path, rows: list[Row], described: dict[str, str], command: str) -> None:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    body = [
        "# Benchmark results",
        "",
        f"Written by `{command}` on {when}. Every ratio is against the bare Django project in",
        "`bench/bare/` (SecurityMiddleware and CommonMiddleware only), served by the same",
        "gunicorn command line on the same cores in the same run, rounds alternated.",
        "",
        table(rows),
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in described.items()],
        "",
    ]
    path.write_text("\n".join(body))


def dumps(rows: list[Row]) -> str:
    return json.dumps([row.__dict__ for row in rows], indent=2)
