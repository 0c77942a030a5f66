"""Requests per second of a GraphQL page of meetings, next to a hand-written JSON view.

    .venv/bin/python bench/records_meetings.py [--rounds 5] [--requests 300] [--concurrency 4]
    .venv/bin/python bench/records_meetings.py --profile   # where the time goes, in-process
    .venv/bin/python bench/records_meetings.py --instructions   # CPU instructions per request

Builds its own SQLite database under var/bench/records/ (the demo content, plus published copies
of its meetings up to --meetings), serves the real ASGI application with uvicorn in a subprocess
on a loopback port, and alternates rounds of the two endpoints over the same server: GraphQL
``meetings(first: 20)`` with each meeting's body and agenda items, and ``/bench/meetings`` (in
bench/records_meetings_urls.py) returning the same JSON written by hand. Prints requests per
second, latencies, the ratio and each endpoint's database query count.

Requests per second move with whatever else the machine does. ``--instructions`` counts instead
the CPU instructions the server spends per request of each endpoint, under valgrind's callgrind
(Debian's ``valgrind``): the same figure on every run, to within a fraction of a percent, which
tells a change's effect where timings cannot. It is a proxy: an instruction of the interpreter
and one of SQLite do not cost the same time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from harness import ROOT, free_port, server_start, server_stop

WORKDIR = ROOT / "var" / "bench" / "records"
PAGE_SIZE = 20
QUERY = """
query MeetingsPage($first: Int!) {
  meetings(first: $first) {
    edges { node {
      id title startsAt status body { name }
      agendaItems { number title kind }
    } }
  }
}
"""
ROUND_TIMEOUT_SECONDS = 60


def server_environment() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.records_meetings_settings",
        "DATABASE_URL": f"sqlite:///{WORKDIR / 'db.sqlite3'}",
        "MEDIA_ROOT": str(WORKDIR / "media"),
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def run(*args: str) -> None:
    subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=server_environment(), check=True, timeout=300
    )


def database_build(meetings: int) -> None:
    shutil.rmtree(WORKDIR, ignore_errors=True)
    WORKDIR.mkdir(parents=True)
    started = time.perf_counter()
    # Checks are for deployments; the benchmark's server needs none of their settings.
    run("manage.py", "migrate", "--noinput", "-v", "0", "--skip-checks")
    run("manage.py", "demo_load", "--skip-checks")
    run(str(Path(__file__)), "--seed", str(meetings))
    print(f"database built in {time.perf_counter() - started:.1f} s: {WORKDIR / 'db.sqlite3'}")


def seed(total: int) -> None:
    """Published copies of the demo's meetings, one a week, until ``total`` are published."""
    import django

    django.setup()
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from backend.records.models import AgendaItem, Meeting

    templates = list(
        Meeting.objects.filter(published_at__isnull=False).prefetch_related("agenda_items")
    )
    missing = total - len(templates)
    if missing <= 0:
        return
    start = max(meeting.starts_at for meeting in templates) + timedelta(days=7)
    now = timezone.now()
    with transaction.atomic():
        copies = Meeting.objects.bulk_create(
            Meeting(
                body_id=template.body_id,
                title=template.title,
                starts_at=start + timedelta(days=7 * number),
                location=template.location,
                status=Meeting.Status.SCHEDULED,
                published_at=now,
            )
            for number, template in enumerate(templates[i % len(templates)] for i in range(missing))
        )
        AgendaItem.objects.bulk_create(
            AgendaItem(
                meeting=copy,
                position=item.position,
                number=item.number,
                title=item.title,
                kind=item.kind,
                is_closed_session=item.is_closed_session,
            )
            for number, copy in enumerate(copies)
            for item in templates[number % len(templates)].agenda_items.all()
        )


class Endpoint:
    def __init__(self, name: str, method: str, url: str, body: bytes | None) -> None:
        self.name, self.method, self.url, self.body = name, method, url, body
        self.headers = {"Accept": "application/json"}
        if body is not None:
            self.headers["Content-Type"] = "application/json"

    async def fetch(self, session: aiohttp.ClientSession) -> tuple[dict, int]:
        async with session.request(
            self.method, self.url, data=self.body, headers=self.headers
        ) as response:
            assert response.status == 200, (self.name, response.status, await response.text())
            payload = await response.json(content_type=None)
            return payload, int(response.headers.get("X-Query-Count", "-1"))


async def measure(
    endpoint: Endpoint, session: aiohttp.ClientSession, requests: int, concurrency: int
) -> tuple[float, list[float]]:
    """Requests per second over ``requests`` requests, ``concurrency`` at a time; latencies."""
    latencies: list[float] = []
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            await endpoint.fetch(session)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(*(worker() for _ in range(concurrency))), ROUND_TIMEOUT_SECONDS
    )
    return len(latencies) / (time.perf_counter() - started), latencies


def _endpoints(port: int) -> dict[str, Endpoint]:
    base = f"http://127.0.0.1:{port}"
    graphql = Endpoint(
        "GraphQL",
        "POST",
        f"{base}/graphql",
        json.dumps({"query": QUERY, "variables": {"first": PAGE_SIZE}}).encode(),
    )
    view = Endpoint("hand-written view", "GET", f"{base}/bench/meetings?first={PAGE_SIZE}", None)
    return {endpoint.name: endpoint for endpoint in (graphql, view)}


async def benchmark(port: int, rounds: int, requests: int, concurrency: int) -> None:
    graphql, view = _endpoints(port).values()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        (graphql_data, graphql_queries) = await graphql.fetch(session)
        (view_data, view_queries) = await view.fetch(session)
        assert "errors" not in graphql_data, graphql_data
        edges = graphql_data["data"]["meetings"]["edges"]
        assert len(edges) == PAGE_SIZE, len(edges)
        if graphql_data != view_data:
            raise SystemExit("The two endpoints disagree: the comparison would be meaningless.")
        items = sum(len(edge["node"]["agendaItems"]) for edge in edges)
        print(
            f"page: {len(edges)} meetings, {items} agenda items, "
            f"{len(json.dumps(graphql_data))} bytes of JSON; identical from both endpoints"
        )
        print(f"database queries per request: GraphQL {graphql_queries}, view {view_queries}")
        for endpoint in (graphql, view):  # warm up both
            await measure(endpoint, session, min(50, requests), concurrency)

        results: dict[str, list[float]] = {graphql.name: [], view.name: []}
        latencies: dict[str, list[float]] = {graphql.name: [], view.name: []}
        print(f"\n{rounds} rounds x {requests} requests, {concurrency} concurrent, loopback")
        print(f"{'round':>5}  {'GraphQL req/s':>14}  {'view req/s':>11}  {'ratio':>6}")
        for number in range(1, rounds + 1):
            order = (graphql, view) if number % 2 else (view, graphql)
            for endpoint in order:
                rate, seconds = await measure(endpoint, session, requests, concurrency)
                results[endpoint.name].append(rate)
                latencies[endpoint.name].extend(seconds)
            graphql_rate, view_rate = results[graphql.name][-1], results[view.name][-1]
            print(
                f"{number:>5}  {graphql_rate:>14.1f}  {view_rate:>11.1f}  "
                f"{graphql_rate / view_rate:>6.2f}"
            )
        graphql_median = statistics.median(results[graphql.name])
        view_median = statistics.median(results[view.name])
        print(
            f"{'median':>5}  {graphql_median:>14.1f}  {view_median:>11.1f}  "
            f"{graphql_median / view_median:>6.2f}"
        )
        # Each round's two rates were measured back to back: their ratio is the least
        # disturbed by the machine's speed changing between rounds.
        paired = [g / v for g, v in zip(results[graphql.name], results[view.name], strict=True)]
        print(f"median of the rounds' ratios: {statistics.median(paired):.2f}")
        for name, seconds in latencies.items():
            ordered = sorted(seconds)
            p50 = ordered[len(ordered) // 2] * 1000
            p95 = ordered[int(len(ordered) * 0.95)] * 1000
            print(f"latency {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")


def instructions(requests: int) -> None:
    """The instructions the server runs per request of each endpoint, counted by callgrind."""
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind: apt-get install valgrind")
    counts: dict[str, float] = {}
    for name in ("GraphQL", "hand-written view"):
        port = free_port()
        log = WORKDIR / "callgrind.log"
        server = server_start(
            port,
            # The same string hashes on every run: dictionaries probe the same way.
            {**server_environment(), "PYTHONHASHSEED": "0"},
            timeout=300,
            wrapper=(
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={WORKDIR / 'callgrind.out'}",
                f"--log-file={log}",
            ),
        )
        try:
            asyncio.run(_counted(name, port, server.pid, requests))
        finally:
            server_stop(server)
        collected = re.search(r"Collected : (\d+)", log.read_text())
        if collected is None:
            raise SystemExit(f"callgrind counted nothing; see {log}")
        counts[name] = int(collected.group(1)) / requests
    graphql, view = counts["GraphQL"], counts["hand-written view"]
    print(f"instructions per request, {requests} requests one at a time after a warm-up:")
    print(f"  GraphQL            {graphql / 1e6:6.2f} M")
    print(f"  hand-written view  {view / 1e6:6.2f} M")
    print(f"  ratio (view / GraphQL) {view / graphql:.3f}")


async def _counted(name: str, port: int, pid: int, requests: int) -> None:
    """Warm the server up, then count ``requests`` requests of one endpoint."""
    endpoint = _endpoints(port)[name]
    async with aiohttp.ClientSession() as session:
        for _ in range(50):
            await endpoint.fetch(session)
        _callgrind(pid, "on")
        try:
            for _ in range(requests):
                await endpoint.fetch(session)
        finally:
            _callgrind(pid, "off")


def _callgrind(pid: int, instrumentation: str) -> None:
    subprocess.run(
        ["callgrind_control", "--instr", instrumentation, str(pid)],
        check=True,
        capture_output=True,
        timeout=60,
    )


def profile(requests: int) -> None:
    """Where the time of a request goes, measured in-process (no network, no server)."""
    import cProfile
    import pstats

    os.environ.update(server_environment())
    import django

    django.setup()
    from django.test import Client

    client = Client()
    body = json.dumps({"query": QUERY, "variables": {"first": PAGE_SIZE}})
    calls = {
        "GraphQL": lambda: client.post("/graphql", body, content_type="application/json"),
        "hand-written view": lambda: client.get(f"/bench/meetings?first={PAGE_SIZE}"),
    }
    for name, call in calls.items():
        call()
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(requests):
            call()
        profiler.disable()
        elapsed = (time.perf_counter() - started) / requests * 1000
        print(f"\n== {name}: {elapsed:.2f} ms per request under the profiler")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300, help="per endpoint and round")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--meetings", type=int, default=200, help="published meetings in the DB")
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run")
    parser.add_argument("--profile", action="store_true", help="profile in-process instead")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count the server's instructions per request under callgrind instead",
    )
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.seed is not None:
        sys.path.insert(0, str(ROOT))
        seed(options.seed)
        return
    if not (options.reuse and (WORKDIR / "db.sqlite3").exists()):
        database_build(options.meetings)
    if options.profile:
        sys.path.insert(0, str(ROOT))
        profile(min(options.requests, 200))
        return
    if options.instructions:
        instructions(min(options.requests, 30))
        return
    port = free_port()
    server = server_start(port, server_environment())
    try:
        asyncio.run(benchmark(port, options.rounds, options.requests, options.concurrency))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
