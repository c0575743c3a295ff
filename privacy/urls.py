from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("accounts/settings/download/", views.export_page, name="export"),
    path("accounts/settings/download/new/", views.export_request, name="export_request"),
    path("accounts/settings/download/<int:pk>/", views.export_download, name="export_download"),
    path("accounts/settings/delete/", views.close_account, name="close"),
]
