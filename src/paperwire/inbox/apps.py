from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "paperwire.inbox"
    label = "inbox"
    verbose_name = "inbox: notifications of replies and of comments on a reader's papers"

    def ready(self) -> None:
        from paperwire.discussion.signals import comment_published
        from paperwire.inbox.receivers import on_comment_published

        comment_published.connect(on_comment_published, dispatch_uid="paperwire.inbox.notify")
