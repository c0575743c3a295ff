import factory
from django.utils import timezone

from core.text import render_markdown
from posts import mentions
from posts.models import Artifact, Comment, Kind, Visibility


class ArtifactFactory(factory.django.DjangoModelFactory[Artifact]):
    class Meta:
        model = Artifact
        skip_postgeneration_save = True

    author = factory.SubFactory("accounts.tests.factories.UserFactory")
    course = factory.SubFactory("courses.tests.factories.CourseFactory")
    kind = Kind.POST
    title = factory.Sequence(lambda n: f"Learning post {n}")
    body = "What I learned this week."
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body))
    visibility = Visibility.PUBLIC
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def record_mentions(obj: Artifact, create: bool, extracted: object, **kwargs: object) -> None:
        # As the services do: the notifications read the recorded mentions.
        if create and "@" in obj.body:
            mentions.record_artifact(obj)


class CommentFactory(factory.django.DjangoModelFactory[Comment]):
    class Meta:
        model = Comment
        skip_postgeneration_save = True

    artifact = factory.SubFactory(ArtifactFactory)
    author = factory.SubFactory("accounts.tests.factories.UserFactory")
    body = "Thank you for sharing this. What made you try it?"
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body))

    @factory.post_generation
    def record_mentions(obj: Comment, create: bool, extracted: object, **kwargs: object) -> None:
        if create and "@" in obj.body:
            mentions.record_comment(obj)
