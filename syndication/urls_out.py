"""Feeds out, the blogroll as OPML, and The Daily (included at the root by config/urls.py)."""

from django.urls import path

from syndication import views_out
from syndication.feeds import CourseFeed, CoursePodcast, PersonFeed, PromptFeed, TagFeed

app_name = "syndication_out"
PROMPT = "courses/<slug:slug>/weeks/<int:number>/prompts/<int:prompt>"

urlpatterns = [
    path("courses/<slug:slug>/feed.atom", CourseFeed("atom"), name="course_atom"),
    path("courses/<slug:slug>/feed.rss", CourseFeed("rss"), name="course_rss"),
    path("people/<str:username>/feed.atom", PersonFeed("atom"), name="person_atom"),
    path("people/<str:username>/feed.rss", PersonFeed("rss"), name="person_rss"),
    path("tags/<str:name>/feed.atom", TagFeed("atom"), name="tag_atom"),
    path("tags/<str:name>/feed.rss", TagFeed("rss"), name="tag_rss"),
    path(f"{PROMPT}/feed.atom", PromptFeed("atom"), name="prompt_atom"),
    path(f"{PROMPT}/feed.rss", PromptFeed("rss"), name="prompt_rss"),
    path("courses/<slug:slug>/podcast.rss", CoursePodcast(), name="podcast"),
    path("courses/<slug:slug>/blogroll.opml", views_out.blogroll, name="blogroll"),
    path("courses/<slug:slug>/daily/", views_out.daily, name="daily"),
    path("courses/<slug:slug>/daily/subscribe/", views_out.daily_subscribe, name="daily_subscribe"),
    path("courses/<slug:slug>/daily/stop/", views_out.daily_stop, name="daily_stop"),
    path("daily/unsubscribe/<str:token>/", views_out.daily_unsubscribe, name="daily_unsubscribe"),
]
