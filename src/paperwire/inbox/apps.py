from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "paperwire.inbox"
    label = "inbox"
    verbose_name = "inbox: notifications of replies and of comments on a reader's papers"
