from django.apps import AppConfig


class WorkerConfig(AppConfig):
    """The background worker: django-tasks-db's ``db_worker``, which recovers unfinished work.

    Listed before ``django_tasks_db`` in INSTALLED_APPS so that its ``db_worker`` command is the
    one ``manage.py`` runs.
    """

    name = "backend.worker"
    label = "worker"
    verbose_name = "Task worker"
