"""How long testing every saved search against one newly public record takes.

    .venv/bin/python bench/saved_searches.py [--saved 2000] [--indexed 3000] [--records 20]
    DATABASE_URL=postgres://... .venv/bin/python bench/saved_searches.py   # PostgreSQL instead

Builds its own SQLite database under var/bench/saved_searches/ (or uses DATABASE_URL, whose
tables it fills; use a database of your own): one published meeting with --indexed agenda items
of random text from a fixed vocabulary, indexed with the database backend, and --saved saved
searches (words, phrases, prefixes, OR, exclusions, some with a filter) spread over users, 20
each. Then it adds --records new agenda items, indexes each as the worker does, and times, per
new record, the backend's test of every saved search against it (``matching_queries``) and the
whole matching step (``saved_searches_match_now``: candidates, backend test, match rows and
events). Prints medians and the 95th percentile; nothing passes or fails on time.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = ROOT / "var" / "bench" / "saved_searches"
sys.path.insert(0, str(ROOT))


def setup() -> None:
    if not os.environ.get("DATABASE_URL"):
        shutil.rmtree(WORKDIR, ignore_errors=True)
        WORKDIR.mkdir(parents=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR / 'db.sqlite3'}"
    os.environ.setdefault(
        "SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)


def vocabulary(size: int, rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {"".join(rng.choices(letters, k=rng.randint(4, 9))) for _ in range(size * 2)}
    return sorted(words)[:size]


def text(words: list[str], count: int, rng: random.Random) -> str:
    # A few words are common, most are rare: roughly the shape of meeting text.
    return " ".join(words[min(int(rng.expovariate(1 / 300)), len(words) - 1)] for _ in range(count))


def saved_query(words: list[str], rng: random.Random) -> str:
    def word() -> str:
        # Residents save searches for particular things: most words are not the common ones.
        return rng.choice(words)

    shape = rng.random()
    if shape < 0.4:
        return f"{word()} {word()}"
    if shape < 0.6:
        return f'"{word()} {word()}"'
    if shape < 0.75:
        return f"{word()[:4]}* {word()}"
    if shape < 0.9:
        return f"{word()} OR {word()}"
    return f"{word()} -{word()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saved", type=int, default=2000)
    parser.add_argument("--indexed", type=int, default=3000)
    parser.add_argument("--records", type=int, default=20)
    args = parser.parse_args()
    setup()

    from django.db import connection
    from django.utils import timezone

    from backend.accounts.models import User
    from backend.notifications.models import Event, SavedSearch
    from backend.notifications.saved_searches import (
        _standing,
        saved_search_fingerprint,
        saved_searches_match_now,
    )
    from backend.records.models import AgendaItem, Body, Meeting
    from backend.search.actions import search_entry_refresh, search_index_rebuild
    from backend.search.backends import search_backend
    from backend.search.query import query_parse

    rng = random.Random(7)
    # Runs against a kept database add their own users beside the earlier runs' ones.
    run = uuid.uuid4().hex[:8]
    words = vocabulary(3000, rng)
    started = time.perf_counter()
    body, _ = Body.objects.get_or_create(
        slug="bench-saved-searches",
        defaults={"name": "Bench Committee", "classification": "committee"},
    )
    meeting = Meeting.objects.create(
        body=body, title="Bench meeting", starts_at=timezone.now(), published_at=timezone.now()
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=meeting, position=n, title=text(words, 6, rng), description=text(words, 80, rng)
        )
        for n in range(args.indexed)
    )
    search_index_rebuild(kinds=["agenda_item"])
    users = []
    for number in range(max(1, args.saved // 20)):
        email = f"bench-saved-{number}-{run}@example.org"
        users.append(User.objects.create_user(email=email, password=None))
    saved = []
    for number in range(args.saved):
        query = saved_query(words, rng)
        kinds = ["agenda_item"] if number % 5 == 0 else []
        bodies = [body.pk] if number % 7 == 0 else []
        saved.append(
            SavedSearch(
                user=users[number % len(users)],
                name=query,
                query=query,
                kinds=kinds,
                body_ids=bodies,
                # Unique per row: the bench saves some searches twice on purpose.
                fingerprint=saved_search_fingerprint(
                    query=query_parse(query), kinds=kinds, body_ids=bodies
                )[:48]
                + f"-{number}",
            )
        )
    SavedSearch.objects.bulk_create(saved, batch_size=1000)
    print(
        f"built in {time.perf_counter() - started:.1f} s on {connection.vendor}: "
        f"{args.indexed} indexed agenda items, {args.saved} saved searches, {len(users)} users"
    )

    backend = search_backend()
    standing = [query for query in map(_standing, SavedSearch.objects.all()) if query]
    backend_ms: list[float] = []
    whole_ms: list[float] = []
    matched = 0
    events_before = Event.objects.count()
    last_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for _ in range(args.records):
        item = AgendaItem.objects.create(
            meeting=meeting, title=text(words, 6, rng), description=text(words, 80, rng)
        )
        search_entry_refresh(kind="agenda_item", object_id=str(item.pk))
        began = time.perf_counter()
        backend.matching_queries(kind="agenda_item", object_id=str(item.pk), queries=standing)
        backend_ms.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        matched += len(saved_searches_match_now(kind="agenda_item", object_id=str(item.pk)))
        whole_ms.append((time.perf_counter() - began) * 1000)

    def summary(values: list[float]) -> str:
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        return f"median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms"

    print(f"backend test of {len(standing)} saved searches per record: {summary(backend_ms)}")
    print(f"whole matching step per record (with events): {summary(whole_ms)}")
    print(
        f"{matched} matches over {args.records} records "
        f"({Event.objects.count() - events_before} events recorded)"
    )
    # Leave a kept database as found, but for the index's tombstones and the queued tasks.
    Event.objects.filter(pk__gt=last_event).delete()
    SavedSearch.objects.filter(user__in=users).delete()
    User.objects.filter(pk__in=[user.pk for user in users]).delete()
    meeting.delete()
    search_index_rebuild(kinds=["agenda_item"])


if __name__ == "__main__":
    main()
