from django.urls import path

from courses import views

app_name = "courses"
urlpatterns = [
    path("courses/", views.course_list, name="list"),
]
