"""Plain HTTP views of the records app: the original files of documents."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from backend.api.auth import user_from_session_token
from backend.records.models import Document
from backend.records.selectors import documents_visible_to


@require_safe
def document_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The original PDF of a document, for whoever may see the document; 404 for anyone else.

    The caller is the user of an ``X-Session-Token`` header (apps) or of the session cookie
    (browsers). A wrong token is refused with 401 rather than treated as anonymous.
    """
    token = request.headers.get("X-Session-Token")
    if token is not None:
        user = user_from_session_token(token)
        if user is None:
            response = JsonResponse(
                {
                    "code": "UNAUTHENTICATED",
                    "message": "The session token is invalid or has expired. Sign in again.",
                },
                status=401,
            )
            response["WWW-Authenticate"] = "X-Session-Token"
            return response
    else:
        user = request.user
    document = (
        documents_visible_to(user=user).select_related("meeting", "agenda_item").filter(pk=pk)
    ).first()
    if document is None or not document.file:
        raise Http404("No such document.")

    etag = f'"{document.sha256}"'
    public = documents_visible_to(user=AnonymousUser()).filter(pk=document.pk).exists()
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        response: HttpResponse = not_modified
    else:
        try:
            stream = document.file.open("rb")
        except FileNotFoundError as error:
            raise Http404("The document's file is missing.") from error
        response = FileResponse(
            stream,
            content_type=document.content_type or "application/pdf",
            filename=_download_name(document),
        )
    response["ETag"] = etag
    # Every response is revalidated, so a document that stops being visible stops being served;
    # what only staff may see is never kept by a shared cache.
    response["Cache-Control"] = "public, no-cache" if public else "private, no-cache"
    patch_vary_headers(response, ("Cookie", "X-Session-Token"))
    return response


def _download_name(document: Document) -> str:
    """An ASCII file name from the title: no quotes, slashes or control characters."""
    stem = slugify(document.title)[:80].strip("-") or f"document-{document.pk}"
    return f"{stem}.pdf"
