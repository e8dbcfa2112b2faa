from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "paperwire.search"
    label = "search"
    verbose_name = "Search"
