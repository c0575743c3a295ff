from django.urls import path

from courses import views

app_name = "courses"
urlpatterns = [
    path("courses/", views.course_list, name="list"),
    path("courses/new/", views.course_create, name="create"),
    path("courses/<slug:slug>/join/", views.join, name="join"),
    path("courses/<slug:slug>/leave/", views.leave, name="leave"),
    path("courses/<slug:slug>/manage/", views.manage, name="manage"),
    path("courses/<slug:slug>/members/", views.members, name="members"),
    path("courses/<slug:slug>/books/new/", views.book_edit, name="book_create"),
    path("courses/<slug:slug>/books/<int:pk>/edit/", views.book_edit, name="book_edit"),
    path("courses/<slug:slug>/weeks/new/", views.week_edit, name="week_create"),
    path("courses/<slug:slug>/weeks/<int:number>/edit/", views.week_edit, name="week_edit"),
    path("courses/<slug:slug>/weeks/<int:number>/prompts/new/", views.prompt_edit, name="prompt_create"),
    path("courses/<slug:slug>/weeks/<int:number>/prompts/<int:prompt>/edit/", views.prompt_edit, name="prompt_edit"),
    path(
        "courses/<slug:slug>/weeks/<int:number>/prompts/<int:prompt>/delete/", views.prompt_delete, name="prompt_delete"
    ),
    path("courses/<slug:slug>/weeks/<int:number>/live/edit/", views.live_edit, name="live_edit"),
    path("courses/<slug:slug>/books/<int:book>/progress/", views.reading_progress, name="reading_progress"),
    path("courses/<slug:slug>/weeks/<int:number>/live/", views.live_detail, name="live"),
    path("courses/<slug:slug>/weeks/<int:number>/live/session.ics", views.live_ics, name="live_ics"),
    path("courses/<slug:slug>/weeks/<int:number>/live/questions/", views.live_question, name="live_question"),
    path("courses/<slug:slug>/weeks/<int:number>/live/questions/<int:pk>/vote/", views.live_vote, name="live_vote"),
    path(
        "courses/<slug:slug>/weeks/<int:number>/live/questions/<int:pk>/answered/",
        views.live_answered,
        name="live_answered",
    ),
]
