"""URL patterns of the randomization pages (included by diary.web.urls)."""

from django.urls import path

from diary.web import allocation_views as views
from diary.web import converters  # noqa: F401  (registers the path converters)

PARTICIPANT = "allocation/participants/<id:participant_id>/"

urlpatterns = [
    path("allocation/", views.allocation_home, name="allocation"),
    path(
        "allocation/emergency-unblindings/",
        views.emergency_unblinding_log,
        name="emergency_unblindings",
    ),
    path("allocation/list/", views.randomization_list_detail, name="randomization_list"),
    path(
        "allocation/list/generate/",
        views.randomization_list_generate_view,
        name="randomization_list_generate",
    ),
    path(
        "allocation/list/import/",
        views.randomization_list_import_view,
        name="randomization_list_import",
    ),
    path(
        "allocation/list/download/",
        views.randomization_list_download,
        name="randomization_list_download",
    ),
    path(
        "allocation/list/discard/",
        views.randomization_list_discard_view,
        name="randomization_list_discard",
    ),
    path(
        "allocation/list/freeze/",
        views.randomization_list_freeze_view,
        name="randomization_list_freeze",
    ),
    path("allocation/trial/", views.trial_lock_view, name="trial_lock"),
    path(PARTICIPANT + "replace/", views.bottle_replacement, name="bottle_replacement"),
    path(
        PARTICIPANT + "emergency-unblinding/",
        views.emergency_unblinding,
        name="emergency_unblinding",
    ),
]
