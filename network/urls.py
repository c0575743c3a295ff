from django.urls import path

from network.views import habits, pages, people, sharing, timeline

app_name = "network"
urlpatterns = [
    # The course stream and the person page: posts' lists with the network's counts and follows.
    path("courses/<slug:slug>/stream/", pages.stream, name="stream"),
    path("people/<str:username>/", pages.person, name="person"),
    path("home/", timeline.home_timeline, name="home"),
    path("notifications/", timeline.notifications, name="notifications"),
    path("notifications/read/", timeline.mark_read, name="mark_read"),
    path("go/<int:pk>/", sharing.go, name="go"),
    # The artifact page itself (posts:artifact renders it): viewing it counts as opening it.
    path("a/<int:pk>/", sharing.artifact_page, name="artifact_page"),
    path("a/<int:pk>/share/", sharing.share, name="share"),
    path("a/<int:pk>/unshare/", sharing.unshare, name="unshare"),
    path("people/<str:username>/connect/", people.connect, name="connect"),
    path("people/<str:username>/follow/", people.follow, name="follow"),
    path("people/<str:username>/unfollow/", people.unfollow, name="unfollow"),
    path("people/<str:username>/block/", people.block, name="block"),
    path("people/<str:username>/unblock/", people.unblock, name="unblock"),
    path("tags/<str:name>/follow/", people.follow_tag, name="follow_tag"),
    path("tags/<str:name>/unfollow/", people.unfollow_tag, name="unfollow_tag"),
    path("suggestions/", habits.who_to_follow, name="who_to_follow"),
    path("courses/<slug:slug>/my-week/", habits.my_week, name="my_week"),
    path("courses/<slug:slug>/my-goal/", habits.goal_edit, name="goal_edit"),
]
