from importlib import import_module

from django.apps import AppConfig, apps


class SearchConfig(AppConfig):
    name = "backend.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        # Each domain declares its searchable kinds in its own `search` module.
        for config in apps.get_app_configs():
            if not config.name.startswith("backend.") or config.name == self.name:
                continue
            try:
                import_module(f"{config.name}.search")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.search":
                    raise
