from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "backend.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from backend.notifications.saved_searches import (
            index_entries_written,
            saved_search_kind_register,
        )
        from backend.search.registry import index_listener_register

        # Saved searches test each newly indexed public entry, after the index work.
        index_listener_register(index_entries_written)
        saved_search_kind_register()
