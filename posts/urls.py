from django.urls import path

from posts import views

app_name = "posts"
urlpatterns = [
    path("courses/<slug:slug>/", views.course_home, name="course"),
    path("courses/<slug:slug>/publish/", views.publish, name="publish"),
    path("courses/<slug:slug>/books/<int:pk>/", views.book, name="book"),
    path("courses/<slug:slug>/weeks/<int:number>/", views.week, name="week"),
    path("courses/<slug:slug>/weeks/<int:number>/prompts/<int:prompt>/", views.prompt, name="prompt"),
    path("a/<int:pk>/", views.artifact, name="artifact"),
    path("a/<int:pk>/edit/", views.artifact_edit, name="artifact_edit"),
    path("a/<int:pk>/delete/", views.artifact_delete, name="artifact_delete"),
    path("a/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("comments/<int:pk>/", views.comment_at, name="comment"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/tone/", views.comment_tone, name="comment_tone"),
    path("tags/<str:name>/", views.tag, name="tag"),
]
