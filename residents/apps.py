from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "residents"
    verbose_name = _("Residents and contracts")

    def ready(self) -> None:
        # The change history keeps its author's name (residents.history.keep_author_name).
        from . import history  # noqa: F401
