"""The export pages, under /exports/."""

from django.urls import path

from diary.web import export_views as views

app_name = "exports"

urlpatterns = [
    path("", views.export_list, name="list"),
    path("new/", views.export_new, name="new"),
    path("<slug:run_id>/files/<slug:file_id>/", views.export_file, name="file"),
]
