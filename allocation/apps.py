from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllocationConfig(AppConfig):
    name = "allocation"
    verbose_name = _("Allocation")

    def ready(self) -> None:
        # A contract's known last day opens its unit's vacancy at once (residents.events).
        from residents import events

        from .services import vacancy_open_when_end_known

        events.on_end_known(vacancy_open_when_end_known)
