"""Who is calling: an app's X-Session-Token, or a browser's session cookie."""

from __future__ import annotations

from typing import Any

from allauth.headless.internal.sessionkit import authenticate_by_x_session_token


def user_from_session_token(token: Any) -> Any | None:
    """The active user behind an allauth app session token, or None when it is not valid."""
    if not isinstance(token, str) or not token or len(token) > 256:
        return None
    authenticated = authenticate_by_x_session_token(token)
    if authenticated is None:
        return None
    user = authenticated[0]
    return user if user.is_active else None
