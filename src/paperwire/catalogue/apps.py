from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "paperwire.catalogue"
    label = "catalogue"
    verbose_name = "Catalogue"
