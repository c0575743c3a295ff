from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from core.scope import forget
        from courses.models import Enrollment

        # A membership saved or deleted: what a request remembered of its viewer's courses is read again.
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(forget, sender=Enrollment, dispatch_uid=f"courses.forget.enrollment.{name}")
