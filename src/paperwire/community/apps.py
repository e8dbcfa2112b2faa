from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "paperwire.community"
    label = "community"
    verbose_name = "community: votes, submissions, API tokens, follows, claims"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from paperwire.catalogue.models import Paper
        from paperwire.catalogue.signals import papers_changed
        from paperwire.community.people import follow_catalogue, on_paper_saved

        # The author and organisation pages' index follows the catalogue (people.py).
        papers_changed.connect(follow_catalogue, dispatch_uid="community.follow_catalogue")
        post_save.connect(on_paper_saved, sender=Paper, dispatch_uid="community.paper_saved")
