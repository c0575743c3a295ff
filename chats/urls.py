from django.urls import path

from chats import views

app_name = "chats"
urlpatterns = [
    path("courses/<slug:slug>/chats/", views.chat_list, name="list"),
    path("courses/<slug:slug>/chats/new/", views.chat_edit, name="create"),
    path("courses/<slug:slug>/chats/<int:pk>/", views.chat_detail, name="chat"),
    path("courses/<slug:slug>/chats/<int:pk>/edit/", views.chat_edit, name="edit"),
    path("courses/<slug:slug>/chats/<int:pk>/questions/<int:number>/answers/", views.answer, name="answer"),
    path("courses/<slug:slug>/chats/<int:pk>/questions/<int:number>/release/", views.release, name="release"),
]
