from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from huey.contrib.djhuey import HUEY

        from core import jobs

        jobs.connect(HUEY)  # every job's failures are recorded, in the web processes and the workers alike
