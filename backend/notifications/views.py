"""The one-click unsubscribe page every notification email links to.

The signed token is the authority: no sign-in is needed. GET only shows a confirmation (mail
scanners fetch links), POST turns the email off; a mail client's RFC 8058 one-click POST sends no
CSRF token, and needs none, since only the holder of the signed link can make it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from backend.notifications.emails import unsubscribe_token_read
from backend.notifications.preferences import UNSUBSCRIBE_ALL, email_unsubscribe
from backend.notifications.registry import notification_kind, reader_language


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    # Nobody is known: the browser's language, where the Town speaks it.
    with translation.override(translation.get_language_from_request(request)):
        return render(
            request, "notifications/unsubscribe_refused.html", {"reason": reason}, status=400
        )


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user_id, kind = unsubscribe_token_read(token)
    except signing.SignatureExpired:
        return _refused(request, "expired")
    except signing.BadSignature:
        return _refused(request, "invalid")
    registered = None if kind == UNSUBSCRIBE_ALL else notification_kind(kind)
    user = get_user_model().objects.filter(pk=user_id).only("preferred_language").first()
    if user is None or (kind != UNSUBSCRIBE_ALL and registered is None):
        return _refused(request, "gone")
    context = {
        "all": kind == UNSUBSCRIBE_ALL,
        "label": registered.label if registered else None,
    }
    # The page speaks the language of the mails the link came in.
    with translation.override(reader_language(user)):
        if request.method == "GET":
            return render(request, "notifications/unsubscribe.html", context)
        email_unsubscribe(user_id=user_id, kind=kind)
        return render(request, "notifications/unsubscribed.html", context)
