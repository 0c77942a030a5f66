"""Follows, events and each user's inbox.

A domain records an Event in the transaction of its write; a task fans it out to the followers of
the event's audiences as Notification rows (one per user per event) and then rings their sockets.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Follow(models.Model):
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


class Event(models.Model):
    """Something happened to a public record; written in the transaction of the change."""

    kind = models.CharField(max_length=50)
    title = models.CharField(max_length=300)
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


class Notification(models.Model):
    """One user's copy of one event. Its id orders the user's notifications."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=50)
    title = models.CharField(max_length=300)
    text = models.CharField(max_length=500, blank=True)
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="one_notification_per_event")
        ]
        indexes = [
            models.Index(fields=["user", "id"]),
            models.Index(fields=["user", "read_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.title}"
