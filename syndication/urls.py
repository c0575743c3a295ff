from django.urls import path

from syndication import views

app_name = "syndication"

urlpatterns = [
    path("courses/<slug:slug>/blogs/", views.my_blogs, name="my_blogs"),
    path("courses/<slug:slug>/blogs/manage/", views.manage, name="manage"),
    path("courses/<slug:slug>/blogs/<int:pk>/", views.feed_action, name="feed_action"),
]
