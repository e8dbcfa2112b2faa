from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "paperwire.web"
    label = "web"
    verbose_name = "Web"
