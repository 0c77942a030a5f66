"""Plain HTTP endpoints of the notifications app, under /notifications/."""

from django.urls import path

from backend.notifications import views

app_name = "notifications"

urlpatterns = [
    path("unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
]
