from django.apps import AppConfig


class MagicmixConfig(AppConfig):
    name = "magicmix"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import second_factor  # noqa: F401 - connects the two-factor receivers
