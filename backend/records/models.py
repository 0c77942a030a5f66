"""The record of public meetings: bodies, members, meetings, agendas, documents, votes, minutes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from backend.common.models import BaseModel


class Body(BaseModel):
    """A council, committee, board or commission that meets in public."""

    class Classification(models.TextChoices):
        COUNCIL = "council", "Council"
        COMMITTEE = "committee", "Committee"
        BOARD = "board", "Board"
        COMMISSION = "commission", "Commission"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    classification = models.CharField(max_length=20, choices=Classification.choices)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    # Clerks who publish this body's records; a clerk sees and edits only these bodies.
    clerks = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="clerked_bodies", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "bodies"

    def __str__(self) -> str:
        return self.name


class Person(BaseModel):
    """A member of one or more bodies (councillor, appointed member)."""

    name = models.CharField(max_length=200)
    title = models.CharField(max_length=100, blank=True)
    ward = models.CharField(max_length=50, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name


class Membership(BaseModel):
    class Role(models.TextChoices):
        CHAIR = "chair", "Chair"
        VICE_CHAIR = "vice_chair", "Vice-chair"
        MEMBER = "member", "Member"
        EX_OFFICIO = "ex_officio", "Ex officio"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["body", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()}, {self.body})"


class Meeting(BaseModel):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        IN_PROGRESS = "in_progress", "In progress"
        RECESSED = "recessed", "Recessed"
        ADJOURNED = "adjourned", "Adjourned"
        CANCELLED = "cancelled", "Cancelled"
        POSTPONED = "postponed", "Postponed"

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(max_length=300)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    location = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    status_reason = models.TextField(
        blank=True, help_text="Why the meeting was cancelled or postponed."
    )
    livestream_url = models.URLField(blank=True)
    video_url = models.URLField(blank=True)
    # Null while a draft; set when published, cleared when unpublished (history keeps both).
    published_at = models.DateTimeField(null=True, blank=True)
    # The agenda item under discussion while the meeting is in progress.
    current_item = models.ForeignKey(
        "AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Bumped on every change: iCalendar SEQUENCE, and the order of index updates.
    revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["body", "starts_at"]),
            models.Index(fields=["published_at", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="meeting_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class AgendaItem(BaseModel):
    class Kind(models.TextChoices):
        REPORT = "report", "Report"
        MOTION = "motion", "Motion"
        BYLAW = "bylaw", "By-law"
        DELEGATION = "delegation", "Delegation"
        CORRESPONDENCE = "correspondence", "Correspondence"
        OTHER = "other", "Other"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField(default=0)
    number = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    recommendation = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    # The public sees that a closed-session item exists, never its content.
    is_closed_session = models.BooleanField(default=False)
    revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["meeting", "position", "id"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()


def document_upload_path(instance: Document, filename: str) -> str:
    return f"records/documents/{instance.sha256[:2]}/{instance.sha256}.pdf"


class Document(BaseModel):
    class Kind(models.TextChoices):
        AGENDA = "agenda", "Agenda"
        MINUTES = "minutes", "Minutes"
        REPORT = "report", "Report"
        PRESENTATION = "presentation", "Presentation"
        OTHER = "other", "Other"

    class TextStatus(models.TextChoices):
        PENDING = "pending", "Waiting for extraction"
        EXTRACTED = "extracted", "Text extracted"
        NO_TEXT = "no_text", "No text layer (scanned?)"
        ENCRYPTED = "encrypted", "Encrypted"
        UNREADABLE = "unreadable", "Unreadable or damaged"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    # Set when the document belongs to one agenda item; its meeting is then the item's.
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(upload_to=document_upload_path, max_length=300)
    original_filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, default="application/pdf")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    text_status = models.CharField(
        max_length=20, choices=TextStatus.choices, default=TextStatus.PENDING
    )
    text_error = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["meeting", "created_at", "id"]

    def __str__(self) -> str:
        return self.title


class Vote(BaseModel):
    class Result(models.TextChoices):
        CARRIED = "carried", "Carried"
        DEFEATED = "defeated", "Defeated"
        TIED = "tied", "Tied"
        WITHDRAWN = "withdrawn", "Withdrawn"

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="votes")
    motion = models.TextField()
    result = models.CharField(max_length=20, choices=Result.choices)
    yes_count = models.PositiveIntegerField(default=0)
    no_count = models.PositiveIntegerField(default=0)
    abstain_count = models.PositiveIntegerField(default=0)
    absent_count = models.PositiveIntegerField(default=0)
    recused_count = models.PositiveIntegerField(default=0)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agenda_item", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.motion[:60]} ({self.get_result_display()})"


class MemberVote(BaseModel):
    class Value(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        ABSTAIN = "abstain", "Abstain"
        ABSENT = "absent", "Absent"
        RECUSED = "recused", "Recused"

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="member_votes")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="votes")
    value = models.CharField(max_length=10, choices=Value.choices)

    class Meta:
        ordering = ["vote", "person__name"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "person"], name="one_value_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.value}"


class Minutes(BaseModel):
    """The minutes of one meeting, with every version kept."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published (not yet adopted)"
        ADOPTED = "adopted", "Adopted"

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    adopted_at = models.DateTimeField(null=True, blank=True)
    adopted_by_meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adopted_minutes",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "minutes"

    def __str__(self) -> str:
        return f"Minutes of {self.meeting}"


class MinutesVersion(BaseModel):
    """One version of the minutes' text; corrections add versions, none is ever rewritten."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    reason = models.TextField(blank=True, help_text="Why this version was made.")
    diff = models.TextField(blank=True, help_text="Unified diff from the previous version.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["minutes", "number"]
        constraints = [
            models.UniqueConstraint(fields=["minutes", "number"], name="minutes_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.minutes} v{self.number}"


class PublicationEvent(BaseModel):
    """The publication history of a meeting: nothing a clerk does to visibility is forgotten."""

    class Action(models.TextChoices):
        PUBLISHED = "published", "Published"
        UNPUBLISHED = "unpublished", "Unpublished"
        CANCELLED = "cancelled", "Cancelled"
        POSTPONED = "postponed", "Postponed"

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="publication_events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "at", "id"]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.action}"
