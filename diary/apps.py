from django.apps import AppConfig


class DiaryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "diary"
    verbose_name = "Trial data capture"

    def ready(self) -> None:
        from diary import checks  # noqa: F401  (registers the randomization list check)
