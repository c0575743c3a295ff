import datetime as dt

import factory
from django.utils import timezone

from courses.models import Book, Course, Enrollment, LiveSession, MemberRole, Prompt, Week


class CourseFactory(factory.django.DjangoModelFactory[Course]):
    class Meta:
        model = Course

    title = factory.Sequence(lambda n: f"Course {n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    hashtag = factory.Sequence(lambda n: f"#course{n}")
    description = "A book-study course."
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=3))


class BookFactory(factory.django.DjangoModelFactory[Book]):
    class Meta:
        model = Book

    course = factory.SubFactory(CourseFactory)
    title = "The Innovator's Mindset"
    author = "George Couros"


class WeekFactory(factory.django.DjangoModelFactory[Week]):
    class Meta:
        model = Week

    course = factory.SubFactory(CourseFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda o: f"Week {o.number}")
    theme_question = "What is innovation in education?"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=2))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + dt.timedelta(days=6))


class PromptFactory(factory.django.DjangoModelFactory[Prompt]):
    class Meta:
        model = Prompt

    week = factory.SubFactory(WeekFactory)
    number = factory.Sequence(lambda n: n + 1)
    kind = "blog"
    text = "Write about a time you tried something new in your classroom."


class LiveSessionFactory(factory.django.DjangoModelFactory[LiveSession]):
    class Meta:
        model = LiveSession

    week = factory.SubFactory(WeekFactory)
    title = "Live with a guest"
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
    join_url = "https://example.org/live"


class EnrollmentFactory(factory.django.DjangoModelFactory[Enrollment]):
    class Meta:
        model = Enrollment

    course = factory.SubFactory(CourseFactory)
    user = factory.SubFactory("accounts.tests.factories.UserFactory")
    role = MemberRole.PARTICIPANT
