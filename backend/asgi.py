"""One ASGI application: Django over HTTP, GraphQL over WebSocket (Channels)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django.setup(set_prefix=False)

from backend.common.asgi import TownASGIHandler, garbage_collector_settle  # noqa: E402

django_asgi_app = TownASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import get_resolver, path  # noqa: E402

from backend.api.consumers import graphql_consumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The consumer checks the Origin itself: browsers on a foreign origin are refused,
        # native apps (which send no Origin) are admitted.
        "websocket": AuthMiddlewareStack(URLRouter([path("graphql", graphql_consumer())])),
    }
)

# The URL patterns (and with them the GraphQL schema) are built now rather than by the first
# request, so that they are among what the collector leaves alone from here on.
get_resolver().url_patterns  # noqa: B018
garbage_collector_settle()
