"""One event fanned out to 1,000 live subscribers, next to a bare Channels group_send.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/notifications_fanout.py
    .venv/bin/python bench/notifications_fanout.py --reuse --events 5 --sockets 200
    .venv/bin/python bench/notifications_fanout.py --database-url postgres://.../bench_db

Builds its own database (SQLite under var/bench/notifications/, or --database-url: a database of
its own) with --sockets residents who follow one body, each with an app session. Then twice, each
time on a fresh server (the real ASGI application under uvicorn, DEBUG=0, one process, on Redis
with the configured channel layer):

- GraphQL: each resident opens a WebSocket and subscribes to ``notificationReceived``; --events
  times, the benchmark records an event for the body and runs its fan-out in this process as the
  worker does (inbox rows in one transaction, then a ring per user).
- floor: as many bare Channels consumers, each alone in its group; --events times, one
  ``group_send`` per group.

Prints, per kind: the time from the start of the fan-out until the last socket has the event
(p50, p99 over the events) and until each socket has it, the server's CPU per delivery and its
memory per idle socket; then the ratio of the two rates.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from harness import ROOT, free_port, percentile
from harness import server_start as harness_server_start

WORKDIR = ROOT / "var" / "bench" / "notifications"
PROTOCOL = "graphql-transport-ws"
SUBSCRIPTION = "subscription { notificationReceived { cursor kind title } }"
DELIVERY_TIMEOUT_SECONDS = 30
TITLE = "Agenda published: bench event #{number}"


def oidc_signing_key() -> str:
    """A signing key for the OpenID Connect provider, which DEBUG=0 requires; never on disk."""
    if os.environ.get("IDP_OIDC_PRIVATE_KEY"):
        return os.environ["IDP_OIDC_PRIVATE_KEY"]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def server_environment(options: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "IDP_OIDC_PRIVATE_KEY": options.signing_key,
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DATABASE_URL": options.database_url or f"sqlite:///{WORKDIR / 'db.sqlite3'}",
        "REDIS_URL": options.redis_url,
        "REDIS_PREFIX": f"town-bench-{os.getpid()}",
        "MEDIA_ROOT": str(WORKDIR / "media"),
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def database_build(options: argparse.Namespace) -> None:
    if not options.database_url:
        shutil.rmtree(WORKDIR, ignore_errors=True)
    WORKDIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    environment = server_environment(options)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=600,
    )
    subprocess.run(
        [sys.executable, str(Path(__file__)), "--seed", str(options.sockets)],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=600,
    )
    print(f"database built in {time.perf_counter() - started:.1f} s")


def seed(residents: int) -> None:
    """The council, a published meeting, and ``residents`` followers with an app session each."""
    import django

    django.setup()
    import datetime as dt
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from backend.accounts.models import User
    from backend.notifications.models import Follow, Notification
    from backend.records.models import Body, Meeting

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    with transaction.atomic():
        Notification.objects.all().delete()
        Follow.objects.all().delete()
        Session.objects.all().delete()
        User.objects.filter(email__endswith="@bench.town.example").delete()
        body, _ = Body.objects.get_or_create(
            slug="bench-council", defaults={"name": "Bench Council", "classification": "council"}
        )
        Meeting.objects.get_or_create(
            body=body,
            title="Bench meeting",
            defaults={
                "starts_at": timezone.now() + dt.timedelta(days=7),
                "published_at": timezone.now(),
            },
        )
        body_type = ContentType.objects.get_for_model(Body)
        users = User.objects.bulk_create(
            User(email=f"resident-{number}@bench.town.example", password="!")
            for number in range(residents)
        )
        Follow.objects.bulk_create(
            Follow(user=user, target_type=body_type, target_id=body.pk) for user in users
        )
        # The sessions allauth's app client gets by signing in: the token is the session key.
        tokens = [get_random_string(32) for _ in users]
        Session.objects.bulk_create(
            Session(
                session_key=token,
                session_data=store.encode(
                    {
                        SESSION_KEY: str(user.pk),
                        BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                        HASH_SESSION_KEY: user.get_session_auth_hash(),
                    }
                ),
                expire_date=timezone.now() + dt.timedelta(days=1),
            )
            for user, token in zip(users, tokens, strict=True)
        )
    (WORKDIR / "tokens.json").write_text(
        json.dumps({"database_url": settings.DATABASES["default"]["NAME"], "tokens": tokens})
    )


def reusable(options: argparse.Namespace) -> bool:
    """Whether the last build has enough residents, in the database asked for."""
    import dj_database_url

    path = WORKDIR / "tokens.json"
    if not path.exists():
        return False
    built = json.loads(path.read_text())
    wanted = dj_database_url.parse(server_environment(options)["DATABASE_URL"])["NAME"]
    return built.get("database_url") == wanted and len(built["tokens"]) >= options.sockets


def server_start(port: int, options: argparse.Namespace) -> subprocess.Popen:
    environment = server_environment(options)
    if options.server_profile:
        environment["BENCH_PROFILE"] = str(WORKDIR / "server.prof")
    return harness_server_start(
        port,
        environment,
        application="bench.notifications_fanout_asgi:application",
        extra_arguments=["--ws-per-message-deflate", "false"] if options.no_deflate else [],
        timeout=60,
    )


def server_stop(server: subprocess.Popen, options: argparse.Namespace) -> None:
    profile = WORKDIR / "server.prof"
    if options.server_profile:
        profile.unlink(missing_ok=True)
        server.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 30
        while not profile.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # written
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)
    if options.server_profile:
        import pstats

        print("\n== server profile: functions with the most time of their own")
        pstats.Stats(str(profile)).sort_stats("tottime").print_stats(30)


def resident_set_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Deliveries:
    """When each socket received each event (perf_counter), by event number."""

    def __init__(self, sockets: int) -> None:
        self.sockets = sockets
        self.arrivals: dict[int, list[float]] = {}
        self.complete: dict[int, asyncio.Event] = {}

    def expect(self, number: int) -> None:
        self.arrivals[number] = []
        self.complete[number] = asyncio.Event()

    def received(self, raw: str | bytes) -> None:
        now = time.perf_counter()
        message = json.loads(raw)
        if message.get("type") != "next":
            raise RuntimeError(f"unexpected message: {message}")
        title = message["payload"]["data"]["notificationReceived"]["title"]
        number = int(title.rsplit("#", 1)[1])
        arrivals = self.arrivals.get(number)
        if arrivals is None:
            return
        arrivals.append(now)
        if len(arrivals) == self.sockets:
            self.complete[number].set()


async def sockets_open(
    urls: list[str], deliveries: Deliveries, first_messages: list[list[dict]]
) -> list:
    """Connect, and keep reading: every frame is timed the moment it arrives."""
    from websockets.asyncio.client import connect

    async def one(index: int) -> object:
        client = await connect(
            urls[index], subprotocols=[PROTOCOL], max_queue=None, ping_interval=None
        )
        for message in first_messages[index]:
            await client.send(json.dumps(message))
            if message["type"] == "connection_init":
                ack = json.loads(await client.recv())
                assert ack["type"] == "connection_ack", ack

        async def read() -> None:
            async for raw in client:
                deliveries.received(raw)

        client.reader = asyncio.create_task(read())
        return client

    clients = []
    for start in range(0, len(urls), 50):
        clients += await asyncio.gather(*(one(i) for i in range(start, min(len(urls), start + 50))))
    return clients


async def sockets_close(clients: list) -> None:
    for start in range(0, len(clients), 100):
        await asyncio.gather(*(client.close() for client in clients[start : start + 100]))
    for client in clients:
        client.reader.cancel()


async def rounds(
    name: str,
    deliveries: Deliveries,
    publish: Callable[[int], Awaitable[tuple[float, float]]],
    first_number: int,
    events: int,
) -> dict[str, list[float]]:
    """Publish ``events`` events one after another; per event, when each socket had it."""
    figures: dict[str, list[float]] = {"last": [], "first": [], "all": [], "publish": []}
    missing = 0
    for number in range(first_number, first_number + events):
        deliveries.expect(number)
        started, published = await publish(number)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(deliveries.complete[number].wait(), DELIVERY_TIMEOUT_SECONDS)
        arrivals = deliveries.arrivals.pop(number)
        missing += deliveries.sockets - len(arrivals)
        if arrivals:
            figures["last"].append(max(arrivals) - started)
            figures["first"].append(min(arrivals) - started)
            figures["all"].extend(arrival - started for arrival in arrivals)
        figures["publish"].append(published - started)
        await asyncio.sleep(0.3)  # let the server settle between events
    if missing:
        print(f"  {name}: {missing} deliveries MISSING after {DELIVERY_TIMEOUT_SECONDS} s")
    figures["missing"] = [missing]
    return figures


def report(name: str, figures: dict[str, list[float]], sockets: int, idle_kib: float) -> float:
    last = figures["last"]
    rate = sockets / percentile(last, 0.5)
    print(
        f"{name:>8}  last socket: p50 {percentile(last, 0.5) * 1000:6.1f} ms, "
        f"p99 {percentile(last, 0.99) * 1000:6.1f} ms, max {max(last) * 1000:6.1f} ms  "
        f"({rate:.0f} sockets/s at p50)"
    )
    every = figures["all"]
    print(
        f"{'':>8}  every socket: p50 {percentile(every, 0.5) * 1000:6.1f} ms, "
        f"p99 {percentile(every, 0.99) * 1000:6.1f} ms over {len(every)} deliveries, "
        f"{figures['missing'][0]} missing"
    )
    print(
        f"{'':>8}  first socket {statistics.median(figures['first']) * 1000:.1f} ms, "
        f"publishing {statistics.median(figures['publish']) * 1000:.1f} ms (medians)"
    )
    print(
        f"{'':>8}  server: {figures['cpu'][0] * 1_000_000:.0f} µs of CPU per delivery, "
        f"{idle_kib:.1f} KiB of memory per idle socket"
    )
    return rate


class Publisher:
    """What the benchmark publishes, from this process, as a worker would."""

    def __init__(self, sockets: int) -> None:
        from channels.layers import get_channel_layer

        from backend.records.models import Body, Meeting

        self.sockets = sockets
        self.body = Body.objects.get(slug="bench-council")
        self.meeting = Meeting.objects.get(body=self.body, title="Bench meeting")
        self.layer = get_channel_layer()

    def fan_out(self, number: int) -> tuple[float, float]:
        """Record an event for the council's followers, then fan it out (rows, then rings)."""
        from django.db import transaction

        from backend.notifications.actions import event_record, notifications_fan_out_now

        with transaction.atomic():
            event = event_record(
                kind="agenda_published",
                title=TITLE.format(number=number),
                text=self.body.name,
                subject=self.meeting,
                audiences=[self.body],
            )
        started = time.perf_counter()  # when a worker would start the fan-out task
        notifications_fan_out_now(event_id=event.pk)
        return started, time.perf_counter()

    def floor_send(self, number: int) -> tuple[float, float]:
        """The same message to each bare consumer's group: plain ``group_send`` calls, as many
        at once as ring_users makes on a layer without a batch path."""
        from asgiref.sync import async_to_sync

        from backend.common.realtime import SENDS_IN_FLIGHT
        from bench.notifications_fanout_asgi import floor_group

        payload = {"cursor": str(number), "kind": "agenda_published", "title": TITLE}
        payload["title"] = TITLE.format(number=number)
        text = json.dumps(
            {"id": "n", "type": "next", "payload": {"data": {"notificationReceived": payload}}}
        )

        async def send_all() -> None:
            in_flight = asyncio.Semaphore(SENDS_IN_FLIGHT)

            async def send(index: int) -> None:
                async with in_flight:
                    message = {"type": "bench.ring", "text": text}
                    await self.layer.group_send(floor_group(index), message)

            await asyncio.gather(*(send(index) for index in range(self.sockets)))

        started = time.perf_counter()
        async_to_sync(send_all)()
        return started, time.perf_counter()


async def phase(
    kind: str, port: int, server_pid: int, tokens: list[str], events: int
) -> tuple[dict[str, list[float]], float]:
    """Connect the sockets of one kind to a fresh server, then time ``events`` fan-outs."""
    publisher = await asyncio.to_thread(Publisher, len(tokens))
    base = f"ws://127.0.0.1:{port}"
    if kind == "GraphQL":
        urls = [f"{base}/graphql"] * len(tokens)
        first_messages = [
            [
                {"type": "connection_init", "payload": {"sessionToken": token}},
                {"id": "n", "type": "subscribe", "payload": {"query": SUBSCRIPTION}},
            ]
            for token in tokens
        ]
        publish = publisher.fan_out
    else:
        urls = [f"{base}/bench/floor/{index}" for index in range(len(tokens))]
        first_messages = [[] for _ in tokens]
        publish = publisher.floor_send

    deliveries = Deliveries(len(tokens))
    before = resident_set_kib(server_pid)
    clients = await sockets_open(urls, deliveries, first_messages)
    await asyncio.sleep(2)  # every subscription has joined its group
    idle_kib = (resident_set_kib(server_pid) - before) / len(tokens)
    warm = await rounds("warm-up", deliveries, lambda n: asyncio.to_thread(publish, n), 0, 2)
    if len(warm["last"]) != 2:
        raise SystemExit(f"{kind}: the warm-up events did not reach the sockets")
    cpu_before = cpu_seconds(server_pid)
    figures = await rounds(kind, deliveries, lambda n: asyncio.to_thread(publish, n), 1000, events)
    delivered = len(figures["all"])
    figures["cpu"] = [(cpu_seconds(server_pid) - cpu_before) / max(1, delivered)]
    await sockets_close(clients)
    return figures, idle_kib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument(
        "--database-url",
        default="",
        help="default: SQLite under var/bench; a database of its own, whose inbox it empties",
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--reuse", action="store_true", help="keep the database of the last run")
    parser.add_argument("--server-profile", action="store_true", help="profile the server")
    parser.add_argument(
        "--no-deflate",
        action="store_true",
        help="serve WebSockets without per-message compression (uvicorn compresses by default)",
    )
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    options.signing_key = oidc_signing_key()
    if options.seed is not None:
        sys.path.insert(0, str(ROOT))
        seed(options.seed)
        return
    if not options.redis_url:
        raise SystemExit("needs Redis: set REDIS_URL or pass --redis-url")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, 4 * options.sockets + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))  # the server inherits it
    if not (options.reuse and reusable(options)):
        database_build(options)
    os.environ.update(server_environment(options))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    tokens = json.loads((WORKDIR / "tokens.json").read_text())["tokens"][: options.sockets]
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[1]
    print(
        f"{len(tokens)} sockets, {options.events} events, {layer} on Redis, "
        f"one uvicorn process, {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[1]}; "
        f"load average {', '.join(f'{value:.2f}' for value in os.getloadavg())}"
    )
    results = {}
    for kind in ("GraphQL", "floor"):
        port = free_port()
        server = server_start(port, options)
        try:
            results[kind] = asyncio.run(phase(kind, port, server.pid, tokens, options.events))
        finally:
            server_stop(server, options)

    print()
    rates = {}
    for kind, (figures, idle_kib) in results.items():
        rates[kind] = report(kind, figures, len(tokens), idle_kib)
    print(
        f"\nrate GraphQL / floor: {rates['GraphQL'] / rates['floor']:.2f} "
        "(targets: 0.5 or more, and every socket within 1 s)"
    )


if __name__ == "__main__":
    main()
