from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "paperwire.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from paperwire.catalogue.signals import papers_changed
        from paperwire.search.maintenance import follow_catalogue

        papers_changed.connect(follow_catalogue, dispatch_uid="search.follow_catalogue")
