from django.apps import AppConfig


class MovingConfig(AppConfig):
    name = "paperwire.moving"
    label = "moving"
    verbose_name = "moving: a whole instance dumped to one file and loaded into another database"
