from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = _("Residents and contracts")

    def ready(self) -> None:
        # The change history keeps its author's name (residents.history.keep_author_name).
        from django.db.backends.signals import connection_created

        from . import history  # noqa: F401
        from .search import register_sqlite_functions

        # SQLite (the demo) gets the search's mm_fold(), which PostgreSQL has from a migration.
        connection_created.connect(register_sqlite_functions, dispatch_uid="mm_fold")
