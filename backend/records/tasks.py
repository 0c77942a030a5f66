"""Background work of the records app, run by ``manage.py db_worker``."""

from __future__ import annotations

import logging

import pypdf
from django.db import transaction
from django.db.models import F
from django_tasks import task

from backend.records.effects import record_changed
from backend.records.models import Document

logger = logging.getLogger(__name__)

# Pages are separated by a form feed in the extracted text, as pdftotext does.
PAGE_SEPARATOR = "\f"


@task()
def document_text_extract(document_id: int) -> str | None:
    """Extract the text of a document; returns its text status, or None when it is gone."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        return None
    return document_text_extract_now(document=document)


def document_text_extract_now(*, document: Document) -> str:
    """Read the document's PDF, store its page count, text and text status; returns the status.

    Idempotent, and never raises for a bad file: a truncated, damaged or encrypted PDF gets the
    status ``unreadable`` or ``encrypted`` with a short message in ``text_error``.
    """
    page_count, text, status, error = _pdf_text(document)
    with transaction.atomic():
        locked = Document.objects.select_for_update().filter(pk=document.pk).first()
        if locked is None:
            return status
        unchanged = (
            locked.page_count == page_count
            and locked.text == text
            and locked.text_status == status
            and locked.text_error == error
        )
        if not unchanged:
            Document.objects.filter(pk=document.pk).update(
                page_count=page_count,
                text=text,
                text_status=status,
                text_error=error,
                revision=F("revision") + 1,
            )
            locked.refresh_from_db()
            record_changed(instance=locked)
    document.refresh_from_db()
    return status


def _pdf_text(document: Document) -> tuple[int | None, str, str, str]:
    """Page count, text, status and error message of the document's PDF."""
    statuses = Document.TextStatus
    try:
        with document.file.open("rb") as stream:
            reader = pypdf.PdfReader(stream)
            if reader.is_encrypted and not reader.decrypt(""):
                return None, "", statuses.ENCRYPTED, "The PDF is protected by a password."
            page_count = len(reader.pages)
            pages: list[str] = []
            failed: list[int] = []
            for number, page in enumerate(reader.pages, start=1):
                try:
                    pages.append(page.extract_text() or "")
                except Exception:
                    logger.info("No text from page %s of document %s", number, document.pk)
                    failed.append(number)
                    pages.append("")
    except FileNotFoundError:
        return None, "", statuses.UNREADABLE, "The stored file is missing."
    except Exception as error:  # pypdf raises many kinds of errors on damaged files
        logger.info("Cannot read document %s: %r", document.pk, error)
        return None, "", statuses.UNREADABLE, "The PDF is damaged or incomplete."

    # PostgreSQL text cannot hold NUL characters, which some PDFs' text layers contain.
    text = PAGE_SEPARATOR.join(page.replace("\x00", "").strip() for page in pages)
    if failed and len(failed) == page_count:
        return page_count, "", statuses.UNREADABLE, "The PDF is damaged or incomplete."
    error = ""
    if failed:
        error = f"The text of page(s) {_page_list(failed)} could not be read."[:300]
    if not text.replace(PAGE_SEPARATOR, "").strip():
        return page_count, "", statuses.NO_TEXT, error or "The PDF has no text layer (scanned?)."
    return page_count, text, statuses.EXTRACTED, error


def _page_list(numbers: list[int]) -> str:
    shown = ", ".join(str(number) for number in numbers[:20])
    return shown + (", …" if len(numbers) > 20 else "")
