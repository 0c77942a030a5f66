from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_healthz_names_each_dependency() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "channel_layer"}
    assert {check["status"] for check in body["checks"].values()} == {"up"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_channel_layer_is_down(settings) -> None:
    # Nothing listens on port 9 of the loopback: a Redis layer there is down.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:9/0"]},
        }
    }
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["status"] == "up"
    assert body["checks"]["channel_layer"]["status"] == "down"
