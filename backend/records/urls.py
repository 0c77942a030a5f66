"""Plain HTTP endpoints of the records app, under /records/."""

from django.urls import path

from backend.records import feeds, views

app_name = "records"

urlpatterns = [
    path("documents/<int:pk>/", views.document_file, name="document_file"),
    path("meetings.ics", feeds.meetings_calendar, name="meetings_calendar"),
    path(
        "bodies/<slug:slug>/meetings.ics",
        feeds.body_meetings_calendar,
        name="body_meetings_calendar",
    ),
    path(
        "bodies/<slug:slug>/documents.atom",
        feeds.body_documents_feed,
        name="body_documents_feed",
    ),
]
