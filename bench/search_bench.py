"""Search: indexing throughput, and query latency through the GraphQL API and the bare query.

    .venv/bin/python bench/search_bench.py [--database sqlite|postgres] [--records 100000]
    .venv/bin/python bench/search_bench.py --database postgres --reuse --rounds 5
    .venv/bin/python bench/search_bench.py --reuse --profile   # where the time goes, in-process

Builds its own database (SQLite under var/bench/search/, or the PostgreSQL database named by
--database-url): synthetic records of realistic sizes (bench/search_corpus.py) created with bulk
inserts, then indexed through the index's own rebuild (what ``manage.py search_reindex`` runs),
timed. Serves the real ASGI application with uvicorn in a subprocess on a loopback port and
runs 200 mixed searches, each through GraphQL over HTTP (anonymous, what a results page shows)
and as the bare full-text statement (one FTS5 MATCH or tsquery, ranked, LIMIT) on a DB-API
connection: the floor. Prints p50/p95/max of both, their ratio at p95, and the indexing rate.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness import ROOT, free_port, load_average, percentile, server_start, server_stop
from search_corpus import Search, kinds_of_records, records_generate, searches_make

WORKDIR = ROOT / "var" / "bench" / "search"
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/town_bench"
PAGE_SIZE = 20
SEED = 2024
TARGET_P95_MS = 30.0
TARGET_RATIO = 1.5
QUERY = """
query Search($query: String!, $filter: SearchFilter, $first: Int, $after: String) {
  search(query: $query, filter: $filter, first: $first, after: $after) {
    totalCount
    edges { node { kind objectId title snippet date bodyName } }
    pageInfo { hasNextPage endCursor }
    facets {
      kinds { value label count }
      bodies { value label count }
      years { value label count }
    }
    errors { code message }
  }
}
"""


def environment(database_url: str, workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(workdir / "media"),
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


# -- building the database ------------------------------------------------------------------


def postgres_reset(database_url: str) -> None:
    """Create the database if it is missing, and empty it."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    psql = [
        "psql",
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
        "-v",
        "ON_ERROR_STOP=1",
        "-q",
    ]
    exists = subprocess.run(
        [*psql, "-d", "postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run([*psql, "-d", "postgres", "-c", f'CREATE DATABASE "{name}"'], check=True)
    subprocess.run(
        [*psql, "-d", name, "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"],
        check=True,
        env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"},
    )


def database_build(options: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    print(f"building {options.records} records ({load_average()})")
    started = time.perf_counter()
    # Checks are for deployments; the benchmark's server needs none of their settings.
    call_command("migrate", "--noinput", verbosity=0, skip_checks=True)
    generate_started = time.perf_counter()
    counts = records_generate(total=options.records, seed=SEED)
    generated = time.perf_counter() - generate_started
    print(f"records created in {generated:.1f} s: {', '.join(kinds_of_records(counts))}")
    connection.close()

    build = {"records": options.records, "seed": SEED, "counts": counts}
    build.update(index_measure())
    build["built_in_seconds"] = round(time.perf_counter() - started, 1)
    return build


def index_measure() -> dict[str, Any]:
    """Index every record through the index's rebuild, then refresh meetings one by one."""
    from django.db import connection

    from backend.records.models import Meeting
    from backend.search.actions import search_entry_refresh, search_index_rebuild
    from backend.search.models import SearchEntry

    def progress(done: int) -> None:
        if done % 20_000 == 0:
            print(f"  indexed {done} records in {time.perf_counter() - started:.1f} s")

    print(f"indexing ({load_average()})")
    started = time.perf_counter()
    written = search_index_rebuild(progress=progress)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(LENGTH(title) + LENGTH(content)), 0) FROM search_searchentry"
        )
        characters = cursor.fetchone()[0]
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load, so that the planner knows the table.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE search_searchentry")
    print(
        f"indexing: {written} records in {seconds:.1f} s = {written / seconds:.0f} records/s "
        f"({characters / 1e6 / seconds:.1f} M characters/s)"
    )

    # The path every change takes: one meeting and its agenda items and documents re-read and
    # written, as the index task does after a clerk's edit.
    published = list(
        Meeting.objects.filter(published_at__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    meetings = published[:: max(1, len(published) // 100)][:100]
    started = time.perf_counter()
    refreshed = sum(search_entry_refresh(kind="meeting", object_id=str(pk)) for pk in meetings)
    refresh_seconds = time.perf_counter() - started
    print(
        f"refresh after a change: {len(meetings)} meetings ({refreshed} records with their items "
        f"and documents) in {refresh_seconds:.1f} s = {refreshed / refresh_seconds:.0f} records/s, "
        f"{refresh_seconds / len(meetings) * 1000:.0f} ms per meeting"
    )
    connection.close()
    return {
        "indexed": written,
        "index_seconds": round(seconds, 2),
        "index_rate": round(written / seconds, 1),
        "indexed_characters": characters,
        "index_entries": SearchEntry.objects.count(),
        "refresh_meetings": len(meetings),
        "refresh_records": refreshed,
        "refresh_seconds": round(refresh_seconds, 2),
    }


# -- the two ways to search -----------------------------------------------------------------


class Api:
    """GraphQL over HTTP on one kept-alive connection, as a client app holds it."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def search(self, search: Search, after: str | None) -> dict[str, Any]:
        body = json.dumps({"query": QUERY, "variables": search.variables(PAGE_SIZE, after)})
        self.connection.request(
            "POST",
            "/graphql",
            body=body,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        response = self.connection.getresponse()
        payload = json.loads(response.read())
        if response.status != 200 or "errors" in payload or payload["data"]["search"]["errors"]:
            raise SystemExit(f"search {search.query!r} failed: {response.status} {payload}")
        return payload["data"]["search"]


class BareQuery:
    """The floor: the search's one ranked full-text statement, run alone on a DB-API cursor.

    The statement is the backend's own (``page_statement``: one FTS5 MATCH or tsquery, ranked,
    LIMIT/OFFSET), so both sides find and order the same entries; everything else a search
    returns (total, facets, titles, snippets, HTTP, GraphQL) is left out.
    """

    def __init__(self) -> None:
        from django.db import connection

        from backend.search.backends.database import DatabaseBackend

        connection.ensure_connection()
        self.vendor = connection.vendor
        self.backend = DatabaseBackend()
        self.cursor = connection.connection.cursor()  # the DB-API connection itself
        if self.vendor == "postgresql":
            # The planner settings the backend gives its search statements.
            from backend.search.backends.database import POSTGRESQL_SEARCH_SETTINGS

            for name, value in POSTGRESQL_SEARCH_SETTINGS.items():
                self.cursor.execute("SELECT set_config(%s, %s, false)", [name, value])

    def statement(self, search: Search, offset: int) -> tuple[str, list[Any]]:
        from backend.search.backends.base import SearchFilters
        from backend.search.query import query_parse
        from backend.search.registry import ViewerAudience

        value = search.filter or {}
        filters = SearchFilters(
            kinds=tuple(value.get("kinds", ())),
            body_ids=tuple(int(body) for body in value.get("bodies", ())),
            date_from=datetime.date.fromisoformat(value["dateFrom"])
            if "dateFrom" in value
            else None,
            date_to=datetime.date.fromisoformat(value["dateTo"]) if "dateTo" in value else None,
        )
        sql, params = self.backend.page_statement(
            query=query_parse(search.query),
            filters=filters,
            audience=ViewerAudience(),  # anonymous, as the API requests are
            offset=offset,
            limit=PAGE_SIZE,
        )
        return (sql.replace("%s", "?") if self.vendor == "sqlite" else sql), params

    def search(self, search: Search, offset: int) -> list[int]:
        sql, params = self.statement(search, offset)
        self.cursor.execute(sql, params)
        return [entry_id for entry_id, _ in self.cursor.fetchall()]

    def keys(self, entry_ids: list[int]) -> list[tuple[str, str]]:
        """The (kind, object id) of entries, in the order given; not timed."""
        from backend.search.models import SearchEntry

        found = {
            entry.pk: (entry.kind, entry.object_id)
            for entry in SearchEntry.objects.filter(pk__in=entry_ids).only("kind", "object_id")
        }
        return [found[entry_id] for entry_id in entry_ids]


def _offset_after(cursor: str | None) -> int:
    if not cursor:
        return 0
    import base64

    return int(base64.urlsafe_b64decode(cursor).decode().split(":")[1]) + 1


def run_searches(port: int, searches: list[Search], rounds: int) -> None:
    api, bare = Api(port), BareQuery()
    # Warm-up: every search once both ways; the first pages give the cursors of second pages.
    cursors: dict[int, str | None] = {}
    agree, totals = 0, []
    started = time.perf_counter()
    for number, search in enumerate(searches):
        first = api.search(search, None)
        cursors[number] = first["pageInfo"]["endCursor"] if search.second_page else None
        page = api.search(search, cursors[number]) if search.second_page else first
        totals.append(page["totalCount"])
        hits = [(edge["node"]["kind"], edge["node"]["objectId"]) for edge in page["edges"]]
        agree += hits == bare.keys(bare.search(search, _offset_after(cursors[number])))
    print(
        f"warm-up: {len(searches)} searches in {time.perf_counter() - started:.1f} s; "
        f"hits per search: median {statistics.median(totals):.0f}, max {max(totals)}; "
        f"same page from both for {agree}/{len(searches)}"
    )

    timings: dict[str, list[float]] = {"api": [], "bare": []}
    by_label: dict[tuple[str, str], list[float]] = defaultdict(list)
    print(
        f"measuring {rounds} round(s) of {len(searches)} searches one at a time ({load_average()})"
    )
    for round_number in range(rounds):
        for number, search in enumerate(searches):
            after = cursors[number]
            calls = (
                ("api", lambda search=search, after=after: api.search(search, after)),
                (
                    "bare",
                    lambda search=search, after=after: bare.search(search, _offset_after(after)),
                ),
            )
            for name, call in calls if (number + round_number) % 2 == 0 else calls[::-1]:
                started = time.perf_counter()
                call()
                elapsed = (time.perf_counter() - started) * 1000
                timings[name].append(elapsed)
                by_label[(name, search.label)].append(elapsed)
    print(f"done ({load_average()})\n")

    print(f"{'':<24}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, title in (("api", "GraphQL API over HTTP"), ("bare", "bare full-text query")):
        values = timings[name]
        print(
            f"{title:<24}{percentile(values, 0.5):>9.1f}{percentile(values, 0.95):>9.1f}"
            f"{max(values):>9.1f}"
        )
    api_p95, bare_p95 = percentile(timings["api"], 0.95), percentile(timings["bare"], 0.95)
    print(
        f"ratio at p95: {api_p95 / bare_p95:.2f} (target at most {TARGET_RATIO}); "
        f"API p95 {api_p95:.1f} ms (target at most {TARGET_P95_MS:.0f} ms)"
    )
    print("\nby kind of search (p50 / p95 ms):")
    for label in sorted({label for _, label in by_label}):
        api_values, bare_values = by_label[("api", label)], by_label[("bare", label)]
        print(
            f"  {label:<16} {len(api_values) // rounds:>4} searches   "
            f"API {percentile(api_values, 0.5):6.1f} / {percentile(api_values, 0.95):6.1f}   "
            f"bare {percentile(bare_values, 0.5):6.1f} / {percentile(bare_values, 0.95):6.1f}"
        )


def profile(searches: list[Search]) -> None:
    """Where a search request's time goes, in-process (no network, no server)."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()

    def call(search: Search) -> None:
        body = json.dumps({"query": QUERY, "variables": search.variables(PAGE_SIZE)})
        response = client.post("/graphql", body, content_type="application/json")
        assert response.status_code == 200, response.content

    for search in searches:
        call(search)
    with CaptureQueriesContext(connection) as queries:
        call(searches[0])
    print(f"database queries per search: {len(queries)}")
    for query in queries.captured_queries:
        print(f"  {query['time']} s  {query['sql'][:160]}")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for search in searches:
        call(search)
    profiler.disable()
    elapsed = (time.perf_counter() - started) / len(searches) * 1000
    print(f"\n{elapsed:.2f} ms per search under the profiler")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help=f"PostgreSQL only; default {POSTGRES_URL}")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="measured passes over the searches")
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run")
    parser.add_argument("--profile", action="store_true", help="profile in-process instead")
    options = parser.parse_args()

    workdir = WORKDIR / f"{options.database}-{options.records}"
    if options.database == "sqlite":
        database_url = f"sqlite:///{workdir / 'db.sqlite3'}"
    else:
        database_url = options.database_url or POSTGRES_URL
    marker = workdir / "build.json"
    build = json.loads(marker.read_text()) if marker.exists() else None
    reuse = (
        options.reuse
        and build is not None
        and build.get("records") == options.records
        and build.get("database_url") == database_url
    )
    if not reuse:
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        if options.database == "postgres":
            postgres_reset(database_url)
    os.environ.update(environment(database_url, workdir))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if reuse:
        print(f"reusing {database_url}: {', '.join(kinds_of_records(build['counts']))}")
        print(
            f"indexing when built: {build['indexed']} records in {build['index_seconds']} s "
            f"= {build['index_rate']:.0f} records/s"
        )
    else:
        build = database_build(options, workdir)
        build["database_url"] = database_url
        marker.write_text(json.dumps(build, indent=2))

    from backend.records.models import Body

    searches = searches_make(
        count=options.searches, seed=SEED, body_ids=list(Body.objects.values_list("pk", flat=True))
    )
    if options.profile:
        profile(searches)
        return
    from django.db import connection

    connection.close()
    port = free_port()
    server = server_start(port, environment(database_url, workdir))
    try:
        run_searches(port, searches, options.rounds)
    finally:
        server_stop(server)
    print(
        f"\nindexing: {build['indexed']} records in {build['index_seconds']} s = "
        f"{build['index_rate']:.0f} records/s; refresh after a change: "
        f"{build['refresh_records'] / build['refresh_seconds']:.0f} records/s"
    )


if __name__ == "__main__":
    main()
