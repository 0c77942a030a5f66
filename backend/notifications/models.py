"""Follows, events and each user's inbox.

A domain records an Event in the transaction of its write; a task fans it out to the followers of
the event's audiences as Notification rows (one per user per event) and then rings their sockets.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from backend.common.models import BaseModel


class Follow(BaseModel):
    """A user following something (a body, a meeting) to hear about it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    target_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "target_type", "target_id"], name="one_follow_per_target"
            )
        ]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.user} follows {self.target_type.model} {self.target_id}"


class Event(BaseModel):
    """Something happened to a public record; written in the transaction of the change."""

    kind = models.CharField(max_length=50)
    # The headline in English, and the parts its kind composes it from in any language.
    title = models.CharField(max_length=300)
    headline_parts = models.JSONField(default=dict, blank=True)
    text = models.CharField(max_length=500, blank=True)
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    # Follow targets this event concerns, as [[content_type_id, object_id], ...].
    audiences = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"


class Notification(BaseModel):
    """One user's copy of one event. Its id orders the user's notifications."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=50)
    title = models.CharField(max_length=300)
    headline_parts = models.JSONField(default=dict, blank=True)
    text = models.CharField(max_length=500, blank=True)
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when this notification went out by email, alone or in a digest: it never goes twice.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="one_notification_per_event")
        ]
        indexes = [
            models.Index(fields=["user", "id"]),
            models.Index(fields=["user", "read_at"]),
            # The daily digest reads one day of notifications across users.
            models.Index(fields=["created_at"], name="notification_created_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.title}"


class SavedSearch(BaseModel):
    """A user's search, run against each record when it first becomes public."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=500)
    # The same shape as the search filter: kinds of record and body ids; empty means any.
    kinds = models.JSONField(default=list, blank=True)
    body_ids = models.JSONField(default=list, blank=True)
    # The normalized query and filter, so saving the same search twice finds the first one.
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_matched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "fingerprint"], name="one_saved_search_per_query"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.query}"


class SavedSearchMatch(BaseModel):
    """A record a saved search has matched; a record is announced once per saved search."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="matches")
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["saved_search", "subject_type", "subject_id"],
                name="one_match_per_saved_search_and_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.saved_search_id} matched {self.subject_type_id} {self.subject_id}"


# Email delivery: how each user wants each kind by email (in the inbox it always arrives), and the
# daily digests already sent.


class EmailMode(models.TextChoices):
    OFF = "off", "Off"
    IMMEDIATE = "immediate", "Immediately"
    DAILY = "daily", "Daily digest"


class EmailPreference(BaseModel):
    """A user's choice of email delivery for one kind of notification.

    Only choices a user made are stored; every other kind gets the default its domain registered.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    kind = models.CharField(max_length=50)
    email = models.CharField(max_length=10, choices=EmailMode.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_email_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.email}"


class EmailDigest(BaseModel):
    """The daily digest of one user for one day in the Town's time zone: sent at most once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_digests"
    )
    day = models.DateField()
    notification_count = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="one_email_digest_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.user}: digest of {self.day}"
