"""GraphQL over HTTP: statuses, content types, limits; a refused request changes nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from strawberry.relay import to_base64

from backend.accounts.models import User
from tests.api.test_websocket import operation, ws_connect
from tests.conftest import GRAPHQL, app_login
from tests.records.factories import gid, gql, records_world

GRAPHQL_RESPONSE = "application/graphql-response+json"
UPDATE = 'mutation { viewerUpdate(input: {displayName: "Changed"}) { errors { code } } }'


def post(client: Client, body: object, *, accept: str = GRAPHQL_RESPONSE, **kwargs):
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(
        GRAPHQL,
        data=raw,
        content_type=kwargs.pop("content_type", "application/json"),
        headers={"Accept": accept, **kwargs.pop("headers", {})},
    )


def error_code(response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


@pytest.mark.django_db
def test_query_over_get_with_graphql_response_content_type() -> None:
    response = Client().get(
        GRAPHQL, {"query": "{ viewer { id } }"}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"viewer": None}}


@pytest.mark.django_db
def test_application_json_is_still_served() -> None:
    response = post(Client(), {"query": "{ viewer { id } }"}, accept="application/json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_mutation_over_get_is_405_and_changes_nothing(resident) -> None:
    client = Client()
    token = app_login(client, resident.email)
    response = client.get(
        GRAPHQL,
        {"query": UPDATE},
        headers={"Accept": GRAPHQL_RESPONSE, "X-Session-Token": token},
    )
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert error_code(response) == "METHOD_NOT_ALLOWED"
    assert User.objects.get(pk=resident.pk).display_name == "Riley"


@pytest.mark.django_db
def test_other_methods_are_405() -> None:
    response = Client().put(GRAPHQL, data="{}", content_type="application/json")
    assert response.status_code == 405
    assert error_code(response) == "METHOD_NOT_ALLOWED"


@pytest.mark.django_db
def test_malformed_json_is_400() -> None:
    response = post(Client(), '{"query": "{ viewer { id } }"')
    assert response.status_code == 400
    assert response["Content-Type"].startswith(GRAPHQL_RESPONSE)
    assert error_code(response) == "BAD_REQUEST"


@pytest.mark.django_db
def test_missing_query_is_400() -> None:
    response = post(Client(), {"variables": {}})
    assert response.status_code == 400
    assert "No GraphQL query" in response.json()["errors"][0]["message"]


@pytest.mark.django_db
def test_wrong_content_type_is_415() -> None:
    response = post(Client(), "query { viewer { id } }", content_type="text/plain")
    assert response.status_code == 415
    assert error_code(response) == "UNSUPPORTED_MEDIA_TYPE"


@pytest.mark.django_db
def test_syntax_error_is_400_with_graphql_response_and_200_with_json() -> None:
    strict = post(Client(), {"query": "{ viewer { id "})
    assert strict.status_code == 400
    assert "Syntax Error" in strict.json()["errors"][0]["message"]
    legacy = post(Client(), {"query": "{ viewer { id "}, accept="application/json")
    assert legacy.status_code == 200
    assert "Syntax Error" in legacy.json()["errors"][0]["message"]


@pytest.mark.django_db
def test_too_deep_query_is_refused(settings) -> None:
    # The schema is still shallow; a lower limit shows the same rule a deep query meets.
    settings.GRAPHQL_MAX_DEPTH = 1
    response = post(Client(), {"query": "{ viewer { homeAddress { street city } } }"})
    assert response.status_code == 400
    assert "exceeds maximum operation depth" in response.json()["errors"][0]["message"]
    shallow = post(Client(), {"query": "{ viewer { email } }"})
    assert shallow.status_code == 200


@pytest.mark.django_db
def test_too_many_aliases_are_refused(resident) -> None:
    client = Client()
    token = app_login(client, resident.email)
    aliases = " ".join(
        f'a{i}: viewerUpdate(input: {{displayName: "n{i}"}}) {{ errors {{ code }} }}'
        for i in range(20)
    )
    response = post(
        client, {"query": f"mutation {{ {aliases} }}"}, headers={"X-Session-Token": token}
    )
    assert response.status_code == 400
    assert "aliases" in response.json()["errors"][0]["message"]
    assert User.objects.get(pk=resident.pk).display_name == "Riley"


@pytest.mark.django_db
def test_too_many_tokens_are_refused() -> None:
    query = "{ " + " ".join(["viewer { id }"] * 800) + " }"
    response = post(Client(), {"query": query})
    assert response.status_code == 400
    assert "token" in response.json()["errors"][0]["message"].lower()


@pytest.mark.django_db
def test_graphiql_is_not_served_without_debug() -> None:
    response = Client().get(GRAPHQL, headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert b"<html" not in response.content.lower()


@pytest.mark.django_db
def test_unexpected_errors_are_masked(monkeypatch, resident) -> None:
    from backend.accounts.graphql import types

    def explode(user) -> bool:
        raise RuntimeError("secret internals: /etc/passwd")

    monkeypatch.setattr(types, "is_mfa_enabled", explode)
    client = Client()
    token = app_login(client, resident.email)
    response = post(
        client, {"query": "{ viewer { mfaEnabled } }"}, headers={"X-Session-Token": token}
    )
    body = response.json()
    assert body["errors"][0]["message"] == "Internal server error."
    assert "secret" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("first: 1000", "Argument 'first' cannot be higher than 100."),
        ("first: -1", "Argument 'first' must be a non-negative integer."),
        ("last: -1", "Argument 'last' must be a non-negative integer."),
        ('first: 2, after: "cheese"', "Argument 'after' is not a cursor of this list."),
        (f'after: "{to_base64("arrayconnection", "-3")}"', "Argument 'after' is not a cursor"),
        (f'before: "{to_base64("Meeting", "1")}"', "Argument 'before' is not a cursor"),
    ],
)
@pytest.mark.parametrize("field", ["meetings", "bodies", "people"])
def test_wrong_paging_arguments_are_refused_by_name(field, arguments, message) -> None:
    """A list's paging arguments are the caller's to correct: never an internal error."""
    response = post(Client(), {"query": f"{{ {field}({arguments}) {{ edges {{ cursor }} }} }}"})
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["message"].startswith(message)
    assert body["errors"][0]["path"] == [field]
    assert error_code(response) == "INVALID"


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["meeting", "node"])
@pytest.mark.parametrize(
    "node_id",
    [
        to_base64("Meeting", "abc"),  # no meeting's key
        to_base64("Meeting", "1.5"),
        to_base64("Query", "1"),  # a type, but no node
        to_base64("PageInfo", "1"),
        to_base64("Nope", "1"),  # no type
    ],
)
def test_an_id_that_can_name_nothing_finds_nothing(field, node_id) -> None:
    query = f"query ($id: ID!) {{ {field}(id: $id) {{ id }} }}"
    assert gql(None, query, {"id": node_id}) == {field: None}


@pytest.mark.django_db
def test_an_id_of_another_type_finds_no_meeting() -> None:
    world = records_world()
    body_id = gid("Body", world.council.pk)
    query = "query ($id: ID!) { meeting(id: $id) { id } node(id: $id) { id } }"
    assert gql(None, query, {"id": body_id}) == {"meeting": None, "node": {"id": body_id}}


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_over_the_websocket_an_id_that_can_name_nothing_finds_nothing() -> None:
    communicator, connected, _ = await ws_connect()
    assert connected
    await communicator.send_json_to({"type": "connection_init", "payload": {}})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "connection_ack"
    meeting_id = to_base64("Meeting", "abc")
    result = await operation(communicator, f'{{ meeting(id: "{meeting_id}") {{ id }} }}')
    assert result == {"data": {"meeting": None}}
    await communicator.disconnect()
