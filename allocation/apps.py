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

        # The offer letter's wording is edited beside the others (residents.letter_views).
        from projects.models import LetterKind
        from residents import letter_views

        from .letters import offer_sample

        letter_views.MAKERS[LetterKind.OFFER] = offer_sample
