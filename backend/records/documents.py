"""Meeting documents: the upload of a PDF a clerk has, and who may read which document.

A document is accepted when its bytes say it is a PDF (the ``%PDF-`` header), whatever its name
or declared content type. A PDF that is truncated, damaged or encrypted is still stored: it is
the record the clerk has, and its text extraction (``backend.records.tasks``) gives it a status
that says why no text came out of it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from typing import IO, Any

import pypdf
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat

from backend.audit.actions import audit_record, audit_snapshot
from backend.common.errors import ActionError
from backend.records.effects import record_changed
from backend.records.models import AgendaItem, Document, Meeting
from backend.records.selectors import body_editable_by
from backend.records.tasks import document_text_extract

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
PDF_CONTENT_TYPE = "application/pdf"
# Small uploads stay in memory while they are checked; larger ones spill to a temporary file.
_SPOOL_IN_MEMORY_BYTES = 2 * 1024 * 1024
_CHUNK_BYTES = 64 * 1024


class DocumentErrorCode:
    """Stable codes of the expected failures of a document upload."""

    NOT_PDF = "NOT_PDF"
    TOO_LARGE = "TOO_LARGE"
    TOO_MANY_PAGES = "TOO_MANY_PAGES"
    EMPTY_FILE = "EMPTY_FILE"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    INVALID = "INVALID"


def document_max_bytes() -> int:
    return int(getattr(settings, "RECORDS_DOCUMENT_MAX_BYTES", 50 * 1024 * 1024))


def document_max_pages() -> int:
    return int(getattr(settings, "RECORDS_DOCUMENT_MAX_PAGES", 2000))


def document_upload(
    *,
    actor: Any,
    meeting: Meeting,
    agenda_item: AgendaItem | None,
    title: str,
    kind: str,
    uploaded_file: File,
) -> Document:
    """Store a PDF for a meeting (or one of its agenda items) and queue its text extraction.

    Raises ``ActionError`` with a ``DocumentErrorCode`` when the upload is refused; nothing is
    stored and nothing is queued then. The file is read in chunks and reading stops as soon as
    it exceeds ``RECORDS_DOCUMENT_MAX_BYTES``.
    """
    if not body_editable_by(user=actor, body_id=meeting.body_id):
        raise ActionError.single(
            DocumentErrorCode.PERMISSION_DENIED,
            "You cannot add documents to this body's meetings.",
        )
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ActionError.single(
            DocumentErrorCode.INVALID,
            "The agenda item belongs to another meeting.",
            field="agendaItem",
        )
    title = (title or "").strip()
    if not title:
        raise ActionError.single(DocumentErrorCode.INVALID, "Give the document a title.", "title")
    if len(title) > Document._meta.get_field("title").max_length:
        raise ActionError.single(DocumentErrorCode.INVALID, "The title is too long.", "title")
    if kind not in Document.Kind.values:
        raise ActionError.single(
            DocumentErrorCode.INVALID,
            f"Unknown kind of document; expected one of {', '.join(Document.Kind.values)}.",
            "kind",
        )

    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY_BYTES) as spool:
        size, sha256 = _copy_within_limit(uploaded_file, spool, limit=document_max_bytes())
        spool.seek(0)
        if spool.read(len(PDF_MAGIC)) != PDF_MAGIC:
            raise ActionError.single(
                DocumentErrorCode.NOT_PDF,
                "This file is not a PDF. Upload the document as a PDF file.",
                "file",
            )
        spool.seek(0)
        page_count = _pdf_page_count(spool)
        if page_count is not None and page_count > document_max_pages():
            raise ActionError.single(
                DocumentErrorCode.TOO_MANY_PAGES,
                f"The PDF has {page_count} pages; the limit is {document_max_pages()}.",
                "file",
            )
        spool.seek(0)
        # Reading and checking the file happen before the transaction: on SQLite it takes the
        # write lock at its start, and a 50 MB upload must not hold it while it streams.
        with transaction.atomic():
            return _document_store(
                actor=actor,
                meeting=meeting,
                agenda_item=agenda_item,
                title=title,
                kind=kind,
                content=spool,
                page_count=page_count,
                original_filename=os.path.basename(uploaded_file.name or ""),
                size=size,
                sha256=sha256,
            )


def _copy_within_limit(source: File, target: IO[bytes], *, limit: int) -> tuple[int, str]:
    """Copy ``source`` into ``target``; returns its size and SHA-256, refusing it past ``limit``."""
    digest = hashlib.sha256()
    size = 0
    for chunk in source.chunks(chunk_size=_CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise ActionError.single(
                DocumentErrorCode.TOO_LARGE,
                f"The file is larger than the limit of {filesizeformat(limit)}.",
                "file",
            )
        digest.update(chunk)
        target.write(chunk)
    if size == 0:
        raise ActionError.single(DocumentErrorCode.EMPTY_FILE, "The file is empty.", "file")
    return size, digest.hexdigest()


def _pdf_page_count(stream: IO[bytes]) -> int | None:
    """The number of pages, or None when pypdf cannot tell (encrypted, truncated, damaged)."""
    try:
        reader = pypdf.PdfReader(stream)
        # The page tree of an encrypted PDF can only be walked once it is decrypted; many carry
        # only an owner password and open with the empty one.
        if reader.is_encrypted and not reader.decrypt(""):
            return None
        return len(reader.pages)
    except Exception:  # pypdf raises many kinds of errors on damaged files
        logger.info("Could not count the pages of an uploaded PDF", exc_info=True)
        return None


def _document_store(
    *,
    actor: Any,
    meeting: Meeting,
    agenda_item: AgendaItem | None,
    title: str,
    kind: str,
    content: IO[bytes],
    page_count: int | None,
    original_filename: str,
    size: int,
    sha256: str,
) -> Document:
    document = Document(
        meeting=meeting,
        agenda_item=agenda_item,
        title=title,
        kind=kind,
        original_filename=original_filename[:255],
        content_type=PDF_CONTENT_TYPE,
        size=size,
        sha256=sha256,
        page_count=page_count,
        text_status=Document.TextStatus.PENDING,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # Files are stored under their SHA-256: the same PDF uploaded twice is stored once.
    field = Document._meta.get_field("file")
    name = field.generate_filename(document, "document.pdf")
    if not field.storage.exists(name):
        name = field.storage.save(name, File(content, name=name), max_length=field.max_length)
    document.file = name
    document.save()
    audit_record(
        actor=actor, action="document.upload", instance=document, after=audit_snapshot(document)
    )
    # Taking the snapshot opens the stored file; the caller gets a document holding no handle.
    document.file.close()
    record_changed(instance=document)
    document_text_extract.enqueue(document_id=document.pk)
    return document
