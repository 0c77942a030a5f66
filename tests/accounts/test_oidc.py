"""Third-party apps acting for a resident: OpenID Connect through the real allauth endpoints.

Authorization code flow with PKCE through Django's test client (discovery, sign-in, consent,
code, token), then /graphql with the access token: scopes decide what runs, and a staff
member's token acts with a resident's capabilities only.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Client as OIDCClient
from allauth.idp.oidc.models import Token
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.mfa.utils import decrypt
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from backend.accounts.actions import OIDCClientCreated, oidc_client_create
from backend.accounts.delegation import user_as_delegate
from backend.accounts.models import User
from backend.accounts.roles import Role
from backend.asgi import application
from backend.notifications.actions import follow_create
from backend.notifications.models import Follow
from backend.records.models import Body, Meeting
from tests.conftest import GRAPHQL, PASSWORD, app_login, graphql, user_create
from tests.notifications.conftest import agenda_published, global_id, published_meeting
from tests.records.factories import gid, gql, records_world

REDIRECT_URI = "https://civic-app.example/callback"
ALL_SCOPES = ["openid", "profile", "email", "town.read", "town.write"]
VIEWER = "query { viewer { email displayName roles } }"
INBOX = "query { unreadNotificationCount notifications { nodes { kind title subjectId } } }"
RENAME = (
    'mutation { viewerUpdate(input: {displayName: "Renamed by an app"}) '
    "{ user { displayName } errors { code } } }"
)
FOLLOW = "mutation ($id: ID!) { follow(targetId: $id) { follow { targetId } errors { code } } }"


def browser_login(user: User) -> Client:
    """Sign in through allauth's browser API (with the TOTP step for staff), as the web app does:
    the session cookie is what the authorization endpoint sees."""
    client = Client(enforce_csrf_checks=True)
    client.get("/_allauth/browser/v1/config")
    csrf = {"X-CSRFToken": client.cookies["csrftoken"].value}
    response = client.post(
        "/_allauth/browser/v1/auth/login",
        data=json.dumps({"email": user.email, "password": PASSWORD}),
        content_type="application/json",
        headers=csrf,
    )
    if response.status_code == 401:
        pending = [
            flow["id"] for flow in response.json()["data"]["flows"] if flow.get("is_pending")
        ]
        assert pending == ["mfa_authenticate"], response.content
        authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        secret = decrypt(authenticator.data["secret"])
        counter = next(yield_hotp_counters_from_time())
        response = client.post(
            "/_allauth/browser/v1/auth/2fa/authenticate",
            data=json.dumps({"code": format_hotp_value(hotp_value(secret, counter))}),
            content_type="application/json",
            headers=csrf,
        )
    assert response.status_code == 200, response.content
    return client


def council_create() -> Body:
    return Body.objects.create(name="Town Council", slug="council", classification="council")


def app_register(*, scopes: list[str] = ALL_SCOPES, public: bool = False) -> OIDCClientCreated:
    return oidc_client_create(
        name="Ward Watch", redirect_uris=[REDIRECT_URI], scopes=scopes, public=public
    )


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return verifier, challenge.decode()


def consent_page(
    browser: Client, app: OIDCClientCreated, scopes: list[str], challenge: str, **extra: str
):
    return browser.get(
        "/identity/o/authorize?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": app.client_id,
                "redirect_uri": REDIRECT_URI,
                "scope": " ".join(scopes),
                "state": "state-42",
                "nonce": "nonce-42",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                **extra,
            }
        )
    )


def authorize(
    browser: Client,
    app: OIDCClientCreated,
    scopes: list[str],
    *,
    granted: list[str] | None = None,
    action: str = "grant",
    **extra: str,
) -> tuple[dict[str, list[str]], str]:
    """Ask for ``scopes`` as the signed-in resident, consent to ``granted`` (default: all of
    them); returns the redirect's query parameters and the PKCE verifier."""
    verifier, challenge = pkce()
    page = consent_page(browser, app, scopes, challenge, **extra)
    assert page.status_code == 200, page.content
    signed_request = re.search(r'name="request" value="([^"]+)"', page.content.decode())
    assert signed_request, page.content
    response = browser.post(
        "/identity/o/authorize",
        {
            "request": html.unescape(signed_request.group(1)),
            "scopes": scopes if granted is None else granted,
            "action": action,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 302, response.content
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    return parse_qs(location.query), verifier


def basic_auth(app: OIDCClientCreated) -> dict[str, str]:
    credentials = f"{app.client_id}:{app.client_secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(credentials).decode()}


def token_request(app: OIDCClientCreated, **data: str):
    headers = basic_auth(app) if app.client_secret else {}
    if not app.client_secret:
        data["client_id"] = app.client_id
    return Client().post("/identity/o/api/token", data, headers=headers)


def tokens_for(
    user: User,
    app: OIDCClientCreated,
    scopes: list[str] = ALL_SCOPES,
    *,
    granted: list[str] | None = None,
) -> dict:
    """The whole flow for ``user``: sign in, consent, code, token; returns the token response."""
    browser = browser_login(user)
    query, verifier = authorize(browser, app, scopes, granted=granted)
    assert query["state"] == ["state-42"]
    response = token_request(
        app,
        grant_type="authorization_code",
        code=query["code"][0],
        redirect_uri=REDIRECT_URI,
        code_verifier=verifier,
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer(client: Client, query: str, token: str, variables: dict | None = None):
    return client.post(
        GRAPHQL,
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def error_code(response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


@pytest.mark.django_db
def test_discovery_document_and_signing_keys() -> None:
    response = Client().get("/.well-known/openid-configuration")
    assert response.status_code == 200
    discovery = response.json()
    assert discovery["issuer"] == "http://testserver"
    assert {
        name: urlsplit(discovery[name]).path
        for name in (
            "authorization_endpoint",
            "token_endpoint",
            "userinfo_endpoint",
            "revocation_endpoint",
            "jwks_uri",
        )
    } == {
        "authorization_endpoint": "/identity/o/authorize",
        "token_endpoint": "/identity/o/api/token",
        "userinfo_endpoint": "/identity/o/api/userinfo",
        "revocation_endpoint": "/identity/o/api/revoke",
        "jwks_uri": "/.well-known/jwks.json",
    }
    assert discovery["scopes_supported"] == ALL_SCOPES
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    keys = Client().get("/.well-known/jwks.json").json()["keys"]
    assert [(key["kty"], key["key_ops"], bool(key["kid"])) for key in keys] == [
        ("RSA", ["verify"], True)
    ]


@pytest.mark.django_db
def test_authorization_code_flow_with_pkce_then_graphql_acts_for_the_resident(resident) -> None:
    council_meeting = published_meeting(council_create())
    follow_create(user=resident, type_name="Body", object_id=str(council_meeting.body_id))
    agenda_published(council_meeting)
    app = app_register()

    # Not signed in: the provider sends the resident to sign in first, and back afterwards.
    browser = Client()
    verifier, challenge = pkce()
    asked = consent_page(browser, app, ALL_SCOPES, challenge)
    assert asked.status_code == 302
    login_url = asked["Location"]
    assert login_url.startswith("/accounts/login/?next=/identity/o/authorize")
    back = browser.post(login_url, {"login": resident.email, "password": PASSWORD})
    assert back.status_code == 302
    page = browser.get(back["Location"])
    text = html.unescape(page.content.decode())
    assert "Ward Watch" in text
    assert "Read your Town account" in text and "Act for you" in text
    signed_request = re.search(r'name="request" value="([^"]+)"', page.content.decode())
    granted = browser.post(
        "/identity/o/authorize",
        {
            "request": html.unescape(signed_request.group(1)),
            "scopes": ALL_SCOPES,
            "action": "grant",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )
    code = parse_qs(urlsplit(granted["Location"]).query)["code"][0]
    response = token_request(
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        code_verifier=verifier,
    )
    assert response.status_code == 200, response.content
    tokens = response.json()
    # The code is spent.
    replay = token_request(
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        code_verifier=verifier,
    )
    assert replay.status_code == 400
    assert tokens["token_type"] == "Bearer"
    assert sorted(tokens["scope"].split()) == sorted(ALL_SCOPES)
    assert tokens["refresh_token"] and tokens["expires_in"] == 3600

    # The ID token is signed with the key the JWKS endpoint publishes.
    jwks = Client().get("/.well-known/jwks.json").json()
    signing_key = jwt.PyJWK(jwks["keys"][0], algorithm="RS256").key
    claims = jwt.decode(
        tokens["id_token"], signing_key, algorithms=["RS256"], audience=app.client_id
    )
    assert (claims["iss"], claims["sub"], claims["nonce"]) == (
        "http://testserver",
        str(resident.pk),
        "nonce-42",
    )

    userinfo = Client().get(
        "/identity/o/api/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert userinfo.json() == {
        "sub": str(resident.pk),
        "email": resident.email,
        "email_verified": True,
        "name": "Riley",
        "locale": "en",
    }

    api = Client()
    viewer = bearer(api, VIEWER, tokens["access_token"])
    assert viewer.status_code == 200
    assert viewer.json() == {
        "data": {"viewer": {"email": resident.email, "displayName": "Riley", "roles": ["resident"]}}
    }
    inbox = bearer(api, INBOX, tokens["access_token"]).json()["data"]
    assert inbox == {
        "unreadNotificationCount": 1,
        "notifications": {
            "nodes": [
                {
                    "kind": "agenda_published",
                    "title": f"Agenda published: {council_meeting.title}",
                    "subjectId": global_id("Meeting", council_meeting.pk),
                }
            ]
        },
    }
    # A mutation with town.write, without any CSRF token (a bearer token is no cookie).
    renamed = bearer(Client(enforce_csrf_checks=True), RENAME, tokens["access_token"])
    assert renamed.json() == {
        "data": {"viewerUpdate": {"user": {"displayName": "Renamed by an app"}, "errors": []}}
    }
    assert User.objects.get(pk=resident.pk).display_name == "Renamed by an app"


@pytest.mark.django_db
def test_public_app_must_prove_the_pkce_verifier(resident) -> None:
    app = app_register(public=True)
    assert app.client_secret is None
    browser = browser_login(resident)
    query, verifier = authorize(browser, app, ["openid", "town.read"])
    code = query["code"][0]
    wrong = token_request(
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        code_verifier=pkce()[0],
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert not Token.objects.filter(type=Token.Type.ACCESS_TOKEN).exists()

    query, verifier = authorize(browser, app, ["openid", "town.read"])
    right = token_request(
        app,
        grant_type="authorization_code",
        code=query["code"][0],
        redirect_uri=REDIRECT_URI,
        code_verifier=verifier,
    )
    assert right.status_code == 200, right.content
    viewer = bearer(Client(), VIEWER, right.json()["access_token"]).json()
    assert viewer["data"]["viewer"]["email"] == resident.email


@pytest.mark.django_db
def test_resident_who_cancels_consent_sends_the_app_away_without_a_code(resident) -> None:
    app = app_register()
    query, _ = authorize(browser_login(resident), app, ALL_SCOPES, action="cancel")
    assert query == {"error": ["access_denied"], "state": ["state-42"]}
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_read_only_token_reads_but_cannot_mutate(resident) -> None:
    council = council_create()
    app = app_register()
    # The app asks for everything; the resident grants reading only.
    tokens = tokens_for(resident, app, granted=["openid", "town.read"])
    assert sorted(tokens["scope"].split()) == ["openid", "town.read"]
    api = Client()
    assert bearer(api, VIEWER, tokens["access_token"]).json()["data"]["viewer"]["email"] == (
        resident.email
    )

    renamed = bearer(api, RENAME, tokens["access_token"])
    assert renamed.status_code == 403
    assert renamed["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", scope="town.read town.write"'
    )
    body = renamed.json()
    assert "data" not in body or body["data"] is None
    assert body["errors"][0]["extensions"] == {
        "code": "INSUFFICIENT_SCOPE",
        "requiredScopes": ["town.read", "town.write"],
        "missingScopes": ["town.write"],
    }
    assert User.objects.get(pk=resident.pk).display_name == "Riley"

    follow = bearer(api, FOLLOW, tokens["access_token"], {"id": global_id("Body", council.pk)})
    assert follow.status_code == 403
    assert error_code(follow) == "INSUFFICIENT_SCOPE"
    assert not Follow.objects.filter(user=resident).exists()


@pytest.mark.django_db
def test_token_without_town_read_runs_nothing_but_userinfo_still_answers(resident) -> None:
    app = app_register()
    tokens = tokens_for(resident, app, ["openid", "email"])
    for query in (VIEWER, "{ meetings(first: 1) { totalCount } }"):
        response = bearer(Client(), query, tokens["access_token"])
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["missingScopes"] == ["town.read"]
    # Public records need no token at all.
    assert graphql(Client(), "{ meetings(first: 1) { totalCount } }") == {
        "data": {"meetings": {"totalCount": 0}}
    }
    userinfo = Client().get(
        "/identity/o/api/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert userinfo.json()["email"] == resident.email


@pytest.mark.django_db
def test_garbage_expired_and_revoked_tokens_are_401_never_anonymous(resident) -> None:
    app = app_register()
    for token in ("garbage", "", "x" * 5000):
        response = Client().post(
            GRAPHQL,
            data=json.dumps({"query": VIEWER}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 401, token
        assert error_code(response) == "UNAUTHENTICATED"
        assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
        assert "data" not in response.json()

    tokens = tokens_for(resident, app)
    # The ID token is no access token.
    assert bearer(Client(), VIEWER, tokens["id_token"]).status_code == 401

    expired = tokens_for(resident, app)
    Token.objects.filter(hash=get_adapter().hash_token(expired["access_token"])).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert bearer(Client(), VIEWER, expired["access_token"]).status_code == 401
    assert bearer(Client(), VIEWER, tokens["access_token"]).status_code == 200

    revoked = Client().post(
        "/identity/o/api/revoke", {"token": tokens["access_token"]}, headers=basic_auth(app)
    )
    assert revoked.status_code == 200
    response = bearer(Client(), RENAME, tokens["access_token"])
    assert response.status_code == 401
    assert error_code(response) == "UNAUTHENTICATED"
    assert User.objects.get(pk=resident.pk).display_name == "Riley"

    # A bearer token and a session token together are ambiguous: refused, nothing runs.
    fresh = tokens_for(resident, app)
    both = Client().post(
        GRAPHQL,
        data=json.dumps({"query": RENAME}),
        content_type="application/json",
        headers={
            "Authorization": f"Bearer {fresh['access_token']}",
            "X-Session-Token": app_login(Client(), resident.email),
        },
    )
    assert both.status_code == 400
    assert User.objects.get(pk=resident.pk).display_name == "Riley"


@pytest.mark.django_db
def test_token_issued_for_another_resource_is_refused(resident) -> None:
    app = app_register()
    browser = browser_login(resident)

    def token_for(resource: str) -> str:
        query, verifier = authorize(browser, app, ALL_SCOPES, resource=resource)
        response = token_request(
            app,
            grant_type="authorization_code",
            code=query["code"][0],
            redirect_uri=REDIRECT_URI,
            code_verifier=verifier,
        )
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    elsewhere = bearer(Client(), VIEWER, token_for("https://other-api.example/graphql"))
    assert elsewhere.status_code == 403
    assert error_code(elsewhere) == "INVALID_TARGET"
    here = bearer(Client(), VIEWER, token_for("http://testserver/graphql"))
    assert here.json()["data"]["viewer"]["email"] == resident.email


@pytest.mark.django_db
def test_refresh_token_gives_a_new_access_token_and_is_rotated(resident) -> None:
    app = app_register()
    tokens = tokens_for(resident, app, granted=["openid", "town.read"])
    refreshed = token_request(
        app, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refreshed.status_code == 200, refreshed.content
    renewed = refreshed.json()
    assert renewed["access_token"] != tokens["access_token"]
    assert sorted(renewed["scope"].split()) == ["openid", "town.read"]
    viewer = bearer(Client(), VIEWER, renewed["access_token"]).json()
    assert viewer["data"]["viewer"]["email"] == resident.email
    # The narrower grant holds after refreshing: still no mutation.
    assert bearer(Client(), RENAME, renewed["access_token"]).status_code == 403
    # Rotated: the first refresh token is spent.
    again = token_request(app, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["clerk", "admin"])
def test_staff_token_acts_with_a_residents_capabilities_only(role) -> None:
    world = records_world()
    staff = getattr(world, role)
    draft_id = gid("Meeting", world.draft.pk)
    meetings = "{ meetings(first: 10) { edges { node { title } } } }"
    draft = f'{{ node(id: "{draft_id}") {{ ... on Meeting {{ title }} }} }}'
    publish = "mutation ($id: ID!) { meetingPublish(input: {meetingId: $id}) { errors { code } } }"
    unpublish = (
        'mutation ($id: ID!) { meetingUnpublish(input: {meetingId: $id, reason: "Wrong"}) '
        "{ errors { code } } }"
    )
    # Signed in themselves, they see the draft (so what follows is the token's doing).
    assert gql(staff, draft) == {"node": {"title": "Draft council"}}

    tokens = tokens_for(staff, app_register())
    api = Client()
    viewer = bearer(api, VIEWER, tokens["access_token"]).json()["data"]["viewer"]
    assert viewer["roles"] == ["resident"]
    assert bearer(api, draft, tokens["access_token"]).json() == {"data": {"node": None}}
    titles = [
        edge["node"]["title"]
        for edge in bearer(api, meetings, tokens["access_token"]).json()["data"]["meetings"][
            "edges"
        ]
    ]
    assert "Draft council" not in titles and "Regular council" in titles

    published = bearer(api, publish, tokens["access_token"], {"id": draft_id}).json()
    assert published == {"data": {"meetingPublish": {"errors": [{"code": "NOT_FOUND"}]}}}
    unpublished = bearer(
        api, unpublish, tokens["access_token"], {"id": gid("Meeting", world.published.pk)}
    ).json()
    assert unpublished == {
        "data": {"meetingUnpublish": {"errors": [{"code": "PERMISSION_DENIED"}]}}
    }
    assert Meeting.objects.get(pk=world.draft.pk).published_at is None
    assert Meeting.objects.get(pk=world.published.pk).published_at is not None

    # The account itself keeps its flags and powers.
    account = User.objects.get(pk=staff.pk)
    assert account.has_perm("records.change_meeting") is True
    assert account.is_superuser == staff.is_superuser and account.is_staff == staff.is_staff


@pytest.mark.django_db
def test_a_delegate_saving_the_account_never_writes_the_withheld_staff_flags() -> None:
    admin = user_create("chief@town.example", Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    delegate = user_as_delegate(user=admin)
    assert (delegate.is_staff, delegate.is_superuser, delegate.has_perm("accounts.view_user")) == (
        False,
        False,
        False,
    )
    delegate.display_name = "Chief"
    delegate.save()
    account = User.objects.get(pk=admin.pk)
    assert (account.display_name, account.is_staff, account.is_superuser) == ("Chief", True, True)
    assert admin.is_superuser is True and admin.has_perm is not delegate.has_perm


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_websocket_accepts_an_access_token_in_connection_params() -> None:
    resident = await sync_to_async(user_create)("ws-app@example.org")
    app = await sync_to_async(app_register)()
    read_only = await sync_to_async(tokens_for)(resident, app, granted=["openid", "town.read"])

    async def connect(params: dict) -> tuple[WebsocketCommunicator, dict]:
        communicator = WebsocketCommunicator(
            application,
            "/graphql",
            subprotocols=["graphql-transport-ws"],
            headers=[(b"host", b"testserver")],
        )
        connected, _ = await communicator.connect()
        assert connected
        await communicator.send_json_to({"type": "connection_init", "payload": params})
        return communicator, await communicator.receive_output(timeout=5)

    communicator, ack = await connect({"accessToken": read_only["access_token"]})
    assert json.loads(ack["text"])["type"] == "connection_ack"
    await communicator.send_json_to({"id": "1", "type": "subscribe", "payload": {"query": VIEWER}})
    message = await communicator.receive_json_from(timeout=5)
    assert message["payload"]["data"]["viewer"]["email"] == "ws-app@example.org"
    assert (await communicator.receive_json_from(timeout=5))["type"] == "complete"
    await communicator.send_json_to({"id": "2", "type": "subscribe", "payload": {"query": RENAME}})
    refused = await communicator.receive_json_from(timeout=5)
    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"
    await communicator.disconnect()
    assert (await sync_to_async(User.objects.get)(pk=resident.pk)).display_name == ""

    communicator, closed = await connect({"accessToken": "forged"})
    assert closed["type"] == "websocket.close" and closed["code"] == 4403
    await communicator.disconnect()
    assert not getattr(get_channel_layer(), "groups", {})


@pytest.mark.django_db
def test_only_administrators_reach_the_app_registrations_in_the_admin() -> None:
    admin = user_create("chief@town.example", Role.ADMINISTRATOR, is_staff=True, mfa=True)
    clerk = user_create("clerk@town.example", Role.CLERK, is_staff=True, mfa=True)
    administrator = Client()
    administrator.force_login(admin)
    assert administrator.get("/admin/allauth_idp_oidc/client/").status_code == 200
    add = administrator.post(
        "/admin/allauth_idp_oidc/client/add/",
        {
            "id": "ward-watch",
            "name": "Ward Watch",
            "scopes": "openid\ntown.read",
            "default_scopes": "openid",
            "type": "confidential",
            "grant_types": "authorization_code",
            "redirect_uris": REDIRECT_URI,
            "response_types": "code",
            "created_at_0": "2026-01-01",
            "created_at_1": "00:00:00",
        },
    )
    assert add.status_code == 302, add.content
    assert OIDCClient.objects.get(pk="ward-watch").get_scopes() == ["openid", "town.read"]

    staff = Client()
    staff.force_login(clerk)
    assert staff.get("/admin/allauth_idp_oidc/client/").status_code == 403
    resident = Client()
    resident.force_login(user_create("resident@town.example"))
    assert resident.get("/admin/allauth_idp_oidc/client/").status_code == 302


@pytest.mark.django_db
def test_oidc_client_create_command_prints_the_secret_once(capsys) -> None:
    call_command(
        "oidc_client_create",
        "--name",
        "Ward Watch",
        "--redirect-uri",
        REDIRECT_URI,
        "--scopes",
        "openid,town.read town.write",
    )
    output = dict(line.split(": ", 1) for line in capsys.readouterr().out.splitlines())
    client = OIDCClient.objects.get(pk=output["client_id"])
    assert client.check_secret(output["client_secret"])
    assert client.secret != output["client_secret"]
    assert client.get_scopes() == ["openid", "town.read", "town.write"]
    assert client.get_grant_types() == ["authorization_code", "refresh_token"]

    with pytest.raises(CommandError, match=r"Unknown scopes: town\.admin"):
        call_command(
            "oidc_client_create",
            "--name",
            "Bad",
            "--redirect-uri",
            REDIRECT_URI,
            "--scopes",
            "openid town.admin",
        )
    with pytest.raises(CommandError, match="not an absolute URI"):
        call_command("oidc_client_create", "--name", "Bad", "--redirect-uri", "/callback")
    assert OIDCClient.objects.count() == 1
