from django.contrib import admin

from courses.models import Book, Course, Enrollment, LiveSession, Prompt, Reading, Week


class BookInline(admin.TabularInline[Book, Course]):
    model = Book
    extra = 0


class WeekInline(admin.TabularInline[Week, Course]):
    model = Week
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin[Course]):
    list_display = ("title", "hashtag", "start_date", "joining_open")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [BookInline, WeekInline]


class ReadingInline(admin.TabularInline[Reading, Week]):
    model = Reading
    extra = 0


class PromptInline(admin.TabularInline[Prompt, Week]):
    model = Prompt
    extra = 0


@admin.register(Week)
class WeekAdmin(admin.ModelAdmin[Week]):
    list_display = ("course", "number", "title", "starts_on")
    inlines = [ReadingInline, PromptInline]


admin.site.register(LiveSession)
admin.site.register(Enrollment)
