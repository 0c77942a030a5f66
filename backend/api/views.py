"""GraphQL over HTTP at /graphql, following the GraphQL-over-HTTP specification."""

from __future__ import annotations

import functools
import json
from typing import Any

from cross_web import HTTPException
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView, TemporalHttpResponse
from strawberry.http import sync_base_view
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import InvalidOperationTypeError

from backend.api.auth import (
    AccessTokenRefused,
    bearer_token,
    user_from_access_token,
    user_from_session_token,
)
from backend.api.delegation import INSUFFICIENT_SCOPE
from backend.common.graphql import Context

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def _wants_graphql_response(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return GRAPHQL_RESPONSE in accept


def error_response(
    request: HttpRequest, status: int, message: str, code: str, **headers: str
) -> HttpResponse:
    content_type = GRAPHQL_RESPONSE if _wants_graphql_response(request) else JSON
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    response = HttpResponse(body, status=status, content_type=f"{content_type}; charset=utf-8")
    for name, value in headers.items():
        response[name] = value
    return response


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    def view(request: HttpRequest) -> None:  # pragma: no cover - never called
        return None

    return CsrfViewMiddleware(lambda _: HttpResponse()).process_view(request, view, (), {})


@functools.lru_cache(maxsize=64)
def _content_type_parts(content_type: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    media_type, parameters = parse_content_type(content_type)
    return media_type, tuple(parameters.items())


def content_type_parsed(content_type: str) -> tuple[str, dict[str, str]]:
    """strawberry's ``parse_content_type``, remembered for the few headers clients send.

    It parses the header with the standard library's e-mail parser, which costs a few percent
    of a page's request; clients send the same handful of values over and over.
    """
    media_type, parameters = _content_type_parts(content_type)
    return media_type, dict(parameters)


# The name strawberry's synchronous view parses each request's Content-Type with.
sync_base_view.parse_content_type = content_type_parsed


_HTTP_ERROR_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


@method_decorator(csrf_exempt, name="dispatch")
class TownGraphQLView(GraphQLView):
    """Authenticates the caller, then runs the operation.

    An ``X-Session-Token`` header (allauth's app client) or an ``Authorization: Bearer`` access
    token (a third-party app acting for a resident) needs no CSRF token: no browser sends either
    on its own. A request that relies on the session cookie must carry the CSRF token on POST,
    or it is refused before anything runs. A wrong token is an authentication error, never an
    anonymous request.
    """

    allow_queries_via_get = True
    multipart_uploads_enabled = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "POST"):
            return error_response(
                request,
                405,
                "GraphQL is served over GET (queries) and POST.",
                "METHOD_NOT_ALLOWED",
                Allow="GET, POST",
            )
        token = request.headers.get("X-Session-Token")
        access_token = bearer_token(request.headers.get("Authorization", ""))
        if access_token is not None:
            if token is not None:
                return error_response(
                    request,
                    400,
                    "Send either an access token (Authorization: Bearer) or an X-Session-Token, "
                    "not both.",
                    "BAD_REQUEST",
                )
            try:
                user, delegation = user_from_access_token(
                    access_token,
                    resource=request.build_absolute_uri(request.path),
                    request=request,
                )
            except AccessTokenRefused as refusal:
                return error_response(
                    request,
                    refusal.status,
                    refusal.message,
                    refusal.code,
                    **{"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
            request.user = user
            request.delegation = delegation
        elif token is not None:
            user = user_from_session_token(token)
            if user is None:
                return error_response(
                    request,
                    401,
                    "The session token is invalid or has expired. Sign in again.",
                    "UNAUTHENTICATED",
                    **{"WWW-Authenticate": "X-Session-Token"},
                )
            request.user = user
        elif (
            request.method == "POST"
            and request.user.is_authenticated
            and _csrf_refusal(request) is not None
        ):
            return error_response(
                request,
                403,
                "CSRF verification failed: send the X-CSRFToken header with the csrftoken "
                "cookie's value.",
                "CSRF_FAILED",
            )
        if request.method == "POST":
            content_type = request.content_type or ""
            if content_type not in (JSON, "multipart/form-data"):
                return error_response(
                    request,
                    415,
                    "Send the operation as application/json (or multipart/form-data for uploads).",
                    "UNSUPPORTED_MEDIA_TYPE",
                )
        try:
            return self.run(request=request)
        except HTTPException as error:
            status = error.status_code
            if request.method == "GET" and isinstance(error.__cause__, InvalidOperationTypeError):
                return error_response(
                    request,
                    405,
                    "Mutations are only accepted over POST.",
                    "METHOD_NOT_ALLOWED",
                    Allow="POST",
                )
            return error_response(
                request, status, error.reason, _HTTP_ERROR_CODES.get(status, "BAD_REQUEST")
            )

    def get_context(self, request: HttpRequest, response: HttpResponse) -> Context:
        return Context(request=request, response=response)

    def get_sub_response(self, request: HttpRequest) -> TemporalHttpResponse:
        response = TemporalHttpResponse()
        response.graphql_response_format = _wants_graphql_response(request)
        return response

    def should_render_graphql_ide(self, request: Any) -> bool:
        return settings.DEBUG and super().should_render_graphql_ide(request)

    def create_response(self, response_data: Any, sub_response: TemporalHttpResponse) -> Any:
        response = super().create_response(response_data, sub_response)
        if getattr(sub_response, "graphql_response_format", False):
            response["Content-Type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            # A request error (syntax, validation) executes nothing and has no data.
            if (
                isinstance(response_data, dict)
                and response_data.get("data") is None
                and response_data.get("errors")
            ):
                response.status_code = 400
        else:
            response["Content-Type"] = f"{JSON}; charset=utf-8"
        refused_scopes = _insufficient_scope(response_data)
        if refused_scopes is not None:
            # Nothing ran: the access token's scopes do not cover the operation (RFC 6750).
            response.status_code = 403
            response["WWW-Authenticate"] = (
                f'Bearer error="insufficient_scope", scope="{" ".join(refused_scopes)}"'
            )
        return response


def _insufficient_scope(response_data: Any) -> list[str] | None:
    """The scopes an operation refused for its access token's scopes needed, else None."""
    if not isinstance(response_data, dict) or response_data.get("data") is not None:
        return None
    for error in response_data.get("errors") or ():
        extensions = (error.get("extensions") if isinstance(error, dict) else None) or {}
        if extensions.get("code") == INSUFFICIENT_SCOPE:
            return list(extensions.get("requiredScopes") or ())
    return None
