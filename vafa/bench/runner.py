"""Run the benchmarks against a real server process on each database.

For each database: a fresh bench database is migrated and seeded in a child process, `vafa serve`
runs with one worker process on a free loopback port, and HTTP clients measure it from here.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vafa.bench.results import Result, make_result

DEFAULT_POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_PG_DATABASE = "vafa_bench"


@dataclass(frozen=True)
class Target:
    name: str  # "sqlite" or "postgresql"
    env: dict[str, str]


def _vafa() -> list[str]:
    return [sys.executable, "-m", "vafa.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def target_sqlite(var_dir: Path) -> Target:
    directory = var_dir / "bench" / "sqlite"
    directory.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (directory / f"vafa.sqlite3{suffix}").unlink(missing_ok=True)
    env = {"DATABASE_URL": f"sqlite:///{directory / 'vafa.sqlite3'}", "VAFA_VAR_DIR": str(var_dir)}
    return Target("sqlite", env)


def target_postgres(var_dir: Path) -> Target:
    """A fresh `vafa_bench` database on the PostgreSQL of BENCH_POSTGRES_ADMIN_URL."""
    import psycopg

    admin_url = os.environ.get("BENCH_POSTGRES_ADMIN_URL", DEFAULT_POSTGRES_ADMIN_URL)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_PG_DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_PG_DATABASE}")
    base = admin_url.rsplit("/", 1)[0]
    return Target("postgresql", {"DATABASE_URL": f"{base}/{BENCH_PG_DATABASE}", "VAFA_VAR_DIR": str(var_dir)})


def run_child(target: Target, *args: str) -> str:
    env = {**os.environ, **target.env}
    done = subprocess.run([*_vafa(), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"`vafa {' '.join(args)}` failed on {target.name}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def seed(target: Target, *, customers: int, cases: int) -> str:
    """Seed the target and return an admin API token (the last line the seeder prints)."""
    out = run_child(target, "bench_seed", "--customers", str(customers), "--cases", str(cases))
    return out.strip().splitlines()[-1]


@contextmanager
def server(target: Target, *, workers: int = 1) -> Iterator[int]:
    port = free_port()
    env = {**os.environ, **target.env, "WEB_CONCURRENCY": str(workers)}
    process = subprocess.Popen(
        [*_vafa(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"vafa serve exited early on {target.name}: {process.stderr.read() if process.stderr else ''}"
                )
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"vafa serve did not become healthy on {target.name}")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Client:
    """A keep-alive JSON client for one thread."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        payload = json.dumps(body).encode() if body is not None else None
        self.conn.request(method, path, body=payload, headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None


def measure_case_create(
    port: int, token: str, customer_ids: list[int], *, seconds: float, threads: int
) -> tuple[float, int]:
    """Open cases through POST /api/v1/cases from `threads` clients for `seconds`; return (per second, count)."""
    stop_at = time.monotonic() + seconds
    counts = [0] * threads
    failures: list[str] = []

    def work(index: int) -> None:
        client = Client(port, token)
        i = 0
        while time.monotonic() < stop_at:
            body = {
                "subject": f"Bench open {index}-{i}",
                "body": "The device stopped working after the update.",
                "kind": "problem",
                "channel": "api",
                "customer_id": customer_ids[(index * 7919 + i) % len(customer_ids)],
            }
            status, data = client.call("POST", "/api/v1/cases", body)
            if status != 201:
                failures.append(f"{status} {data}")
                return
            counts[index] += 1
            i += 1

    started = time.monotonic()
    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    if failures:
        raise RuntimeError(f"case creation failed: {failures[0]}")
    total = sum(counts)
    return total / elapsed, total


def measure_median_ms(call: Callable[[], None], *, warmup: int, runs: int) -> float:
    for _ in range(warmup):
        call()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def measure_case_list(port: int, token: str, *, runs: int, pages: int = 10) -> float:
    """Median latency of GET /api/v1/cases (50 a page): the first page, then `pages` cursor pages, again."""
    client = Client(port, token)
    cursor: str | None = None
    depth = 0

    def one() -> None:
        nonlocal cursor, depth
        path = "/api/v1/cases?limit=50" + (f"&cursor={cursor}" if cursor else "")
        status, data = client.call("GET", path)
        if status != 200 or not data["items"]:
            raise RuntimeError(f"case list failed: {status} {str(data)[:200]}")
        depth += 1
        cursor = data["next"] if depth < pages else None
        if cursor is None:
            depth = 0

    return measure_median_ms(one, warmup=20, runs=runs)


def customer_ids(port: int, token: str, limit: int = 200) -> list[int]:
    status, data = Client(port, token).call("GET", f"/api/v1/customers?limit={limit}")
    if status != 200 or not data["items"]:
        raise RuntimeError(f"could not list customers: {status} {data}")
    return [item["id"] for item in data["items"]]


def run_foundation(target: Target, *, quick: bool, log: Callable[[str], None]) -> list[Result]:
    """The foundation issue's figures: api_case_create_per_s and api_case_list_ms."""
    results: list[Result] = []
    list_scale = 10_000 if quick else 100_000
    customers = 2_000
    log(f"[{target.name}] migrating")
    run_child(target, "migrate", "--noinput", "-v", "0")
    log(f"[{target.name}] seeding {customers} customers")
    token = seed(target, customers=customers, cases=0)
    with server(target) as port:
        ids = customer_ids(port, token)
        seconds = 5.0 if quick else 20.0
        log(f"[{target.name}] api_case_create_per_s: 4 clients for {seconds:.0f} s, one server process")
        rate, count = measure_case_create(port, token, ids, seconds=seconds, threads=4)
        results.append(
            make_result(
                "api_case_create_per_s",
                rate,
                database=target.name,
                scale={
                    "server_processes": 1,
                    "threads": 4,
                    "client_threads": 4,
                    "cases_created": count,
                    "seconds": seconds,
                },
            )
        )
        log(f"[{target.name}]   {rate:.1f} cases/s ({count} cases)")
    log(f"[{target.name}] seeding {list_scale} cases")
    token = seed(target, customers=customers, cases=list_scale)
    with server(target) as port:
        runs = 100 if quick else 300
        median = measure_case_list(port, token, runs=runs)
        results.append(
            make_result(
                "api_case_list_ms",
                median,
                database=target.name,
                scale={"cases": list_scale, "page_size": 50, "requests": runs, "viewer": "admin"},
            )
        )
        log(f"[{target.name}]   api_case_list_ms median {median:.1f} ms over {runs} requests")
    return results
