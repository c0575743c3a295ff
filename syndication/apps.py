from django.apps import AppConfig


class SyndicationConfig(AppConfig):
    name = "syndication"
    verbose_name = "Syndication: blogs in, feeds out"
    default_auto_field = "django.db.models.BigAutoField"
