from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "paperwire.library"
    label = "library"
    verbose_name = "library: collections, notes, marks and a reader's signals"

    def ready(self) -> None:
        from paperwire.library import receivers, signals  # noqa: F401  (connect receivers)
