from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "paperwire.web"
    label = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        from paperwire.community import activity
        from paperwire.web.caching import forget_pages

        activity.connect(forget_pages, dispatch_uid="paperwire.web.forget_pages")
