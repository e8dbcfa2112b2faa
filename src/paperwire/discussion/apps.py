from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    name = "paperwire.discussion"
    label = "discussion"
    verbose_name = "discussion: comments under papers, their history, votes, reports and moderation"
