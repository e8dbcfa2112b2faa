from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "paperwire.community"
    label = "community"
    verbose_name = "community: votes, submissions, API tokens"
