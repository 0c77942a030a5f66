from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "backend.records"
    label = "records"
    verbose_name = "Meeting records"
    role_permissions = {
        "clerk": [
            f"records.{verb}_{model}"
            for model in (
                "meeting",
                "agendaitem",
                "document",
                "vote",
                "membervote",
                "minutes",
                "minutesversion",
            )
            for verb in ("view", "add", "change")
        ]
        + ["records.view_body", "records.view_person", "records.view_membership"],
        "administrator": [
            f"records.{verb}_{model}"
            for model in (
                "body",
                "person",
                "membership",
                "meeting",
                "agendaitem",
                "document",
                "vote",
                "membervote",
                "minutes",
                "minutesversion",
                "publicationevent",
            )
            for verb in ("view", "add", "change", "delete")
        ],
    }

    def ready(self) -> None:
        from backend.records.notifications import (
            followables_register,
            notification_kinds_register,
            saved_search_kinds_register,
        )

        followables_register()
        notification_kinds_register()
        saved_search_kinds_register()
