from django.apps import AppConfig


class ForYouConfig(AppConfig):
    name = "paperwire.foryou"
    label = "foryou"
    verbose_name = "for you: a ranking model per reader, learned from their signals"

    def ready(self) -> None:
        from paperwire.foryou import tasks  # noqa: F401  (connects the signals_changed receiver)
