"""The report pages, under /reports/."""

from django.urls import path

from analysis.web import views

app_name = "analysis"

urlpatterns = [
    path("", views.report_list, name="reports"),
    path("new/", views.report_new, name="report_new"),
    path("<slug:report_id>/", views.report_detail, name="report"),
    path("<slug:report_id>/retry/", views.report_retry_view, name="report_retry"),
    path("<slug:report_id>/release/", views.report_release_view, name="report_release"),
    path(
        "<slug:report_id>/releases/<int:release_id>/revoke/",
        views.report_release_revoke_view,
        name="report_release_revoke",
    ),
    path("<slug:report_id>/files/<slug:file_id>/", views.report_file, name="report_file"),
]
