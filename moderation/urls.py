from django.urls import path

from moderation import views

app_name = "moderation"
urlpatterns = [
    path("a/<int:pk>/report/", views.report_artifact, name="report_artifact"),
    path("comments/<int:pk>/report/", views.report_comment, name="report_comment"),
    path("courses/<slug:slug>/moderation/", views.moderation_queue, name="queue"),
    path("courses/<slug:slug>/moderation/<int:pk>/decide/", views.decide, name="decide"),
    path("courses/<slug:slug>/moderation/held/<str:kind>/<int:pk>/", views.decide_held, name="decide_held"),
]
