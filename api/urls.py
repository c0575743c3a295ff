from django.urls import path

from api import views

app_name = "tokens"
urlpatterns = [
    path("accounts/settings/tokens/", views.tokens, name="list"),
    path("accounts/settings/tokens/<int:pk>/revoke/", views.revoke, name="revoke"),
]
