from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "paperwire.groups"
    label = "groups"
    verbose_name = "groups: labs that read together (members, shared collections, a reading queue)"
