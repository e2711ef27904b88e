"""The desk's figures: desk_inbox_ms, desk_case_page_ms and desk_search_ms.

Pages are fetched over HTTP from a real `vafa serve` process, signed in as a bench agent who is a
member of every team; the figure is the median of the server's own time for each page, read from
its Server-Timing header (client round-trip medians are kept in the scale for comparison).
"""

from __future__ import annotations

import http.client
import random
import re
import statistics
import time
from collections.abc import Callable
from urllib.parse import quote

from vafa.bench.results import Result, make_result
from vafa.bench.runner import Target, run_child, server

_TIMING = re.compile(r"app;dur=([0-9.]+)")

INBOX_URLS = (
    "/desk/inbox/?view=open",
    "/desk/inbox/?view=unassigned",
    "/desk/inbox/?view=pending",
    "/desk/inbox/?view=open&priority=urgent",
    "/desk/inbox/?view=open&sort=priority",
    "/desk/inbox/?view=resolved",
)
SEARCH_TERMS = ("battery", "باتری", "شارژ", "экран", "الشاشة", "warranty", "VF-1234", "bench12345")


class PageClient:
    """A keep-alive client that sends the bench agent's session cookie."""

    def __init__(self, port: int, session_key: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Cookie": f"sessionid={session_key}"}

    def get(self, path: str) -> tuple[int, float, bytes]:
        """GET `path`; return (status, server milliseconds, body)."""
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        match = _TIMING.search(response.getheader("Server-Timing") or "")
        if match is None:
            raise RuntimeError(f"no Server-Timing header on {path} (is VAFA_SERVER_TIMING on?)")
        return response.status, float(match.group(1)), body


def measure_pages(
    client: PageClient,
    paths: Callable[[int], str],
    *,
    warmup: int,
    runs: int,
    allow: tuple[int, ...] = (200,),
) -> tuple[float, float]:
    """Median (server ms, round-trip ms) of GET paths(i) for i in range(runs), after `warmup` calls."""
    for i in range(warmup):
        client.get(paths(i))
    server_ms: list[float] = []
    round_trip_ms: list[float] = []
    for i in range(runs):
        path = paths(warmup + i)
        started = time.perf_counter()
        status, took, body = client.get(path)
        round_trip_ms.append((time.perf_counter() - started) * 1000)
        if status not in allow:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
        server_ms.append(took)
    return statistics.median(server_ms), statistics.median(round_trip_ms)


def seed_desk(target: Target, *, customers: int, cases: int, messages_per_case: int) -> str:
    """Seed the target for the desk and return the bench agent's session key."""
    out = run_child(
        target,
        "bench_seed",
        "--customers",
        str(customers),
        "--cases",
        str(cases),
        "--messages-per-case",
        str(messages_per_case),
    )
    for line in out.splitlines():
        if line.startswith("session="):
            return line.split("=", 1)[1].strip()
    raise RuntimeError(f"bench_seed printed no session on {target.name}:\n{out[-500:]}")


def run_desk(target: Target, *, quick: bool, log: Callable[[str], None]) -> list[Result]:
    """The agent desk issue's figures, at 100,000 cases and 500,000 messages (10,000 with --quick)."""
    cases = 10_000 if quick else 100_000
    messages_per_case = 5
    customers = 2_000 if quick else 20_000
    runs = 60 if quick else 300
    log(f"[{target.name}] migrating")
    run_child(target, "migrate", "--noinput", "-v", "0")
    log(f"[{target.name}] seeding {cases} cases with {messages_per_case} messages each")
    session = seed_desk(target, customers=customers, cases=cases, messages_per_case=messages_per_case)
    scale = {"cases": cases, "messages": cases * messages_per_case, "customers": customers, "viewer": "agent"}
    results: list[Result] = []
    with server(target) as port:
        client = PageClient(port, session)
        inbox_server, inbox_trip = measure_pages(
            client, lambda i: INBOX_URLS[i % len(INBOX_URLS)], warmup=20, runs=runs
        )
        results.append(
            make_result(
                "desk_inbox_ms",
                inbox_server,
                database=target.name,
                scale={
                    **scale,
                    "requests": runs,
                    "pages": list(INBOX_URLS),
                    "round_trip_ms": round(inbox_trip, 2),
                },
            )
        )
        log(f"[{target.name}]   desk_inbox_ms median {inbox_server:.1f} ms (round trip {inbox_trip:.1f})")

        numbers = random.Random(11).sample(range(1, cases + 1), k=min(runs + 20, cases))
        case_server, case_trip = measure_pages(
            client, lambda i: f"/desk/cases/{numbers[i]}/", warmup=20, runs=runs
        )
        results.append(
            make_result(
                "desk_case_page_ms",
                case_server,
                database=target.name,
                scale={
                    **scale,
                    "requests": runs,
                    "messages_per_case": messages_per_case,
                    "round_trip_ms": round(case_trip, 2),
                },
            )
        )
        log(f"[{target.name}]   desk_case_page_ms median {case_server:.1f} ms (round trip {case_trip:.1f})")

        # A search that names exactly one case redirects to it (302); that is an answer too.
        search_server, search_trip = measure_pages(
            client,
            lambda i: "/desk/search/?q=" + quote(SEARCH_TERMS[i % len(SEARCH_TERMS)]),
            warmup=10,
            runs=runs,
            allow=(200, 302),
        )
        results.append(
            make_result(
                "desk_search_ms",
                search_server,
                database=target.name,
                scale={
                    **scale,
                    "requests": runs,
                    "terms": list(SEARCH_TERMS),
                    "round_trip_ms": round(search_trip, 2),
                },
            )
        )
        log(f"[{target.name}]   desk_search_ms median {search_server:.1f} ms (round trip {search_trip:.1f})")
    return results
