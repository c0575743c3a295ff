from django.urls import path

from posts import views

app_name = "posts"
urlpatterns = [
    path("courses/<slug:slug>/", views.course_home, name="course"),
    path("people/<str:username>/", views.person, name="person"),
]
