"""The research assistants' pages."""

from django.urls import path

from diary.web import converters  # noqa: F401  (registers the path converters)
from diary.web.allocation_urls import urlpatterns as allocation_urlpatterns
from diary.web.views import adverse_events, calls, datamgmt, diary, participants, screening

app_name = "diary"

WEEK = "participants/<id:participant_id>/weeks/<phase:phase>/<int:week>/"

urlpatterns = [
    path("calls/", calls.call_queue, name="calls"),
    path("deviations/", calls.deviations, name="deviations"),
    path(WEEK, calls.week_call, name="week_call"),
    path(WEEK + "saved/", calls.week_saved, name="week_saved"),
    path("screening/", screening.screening_log, name="screening_log"),
    path("screening/new/", screening.screening_new, name="screening_new"),
    path("participants/", participants.participant_list, name="participants"),
    path("participants/<id:participant_id>/", participants.participant_detail, name="participant"),
    path("participants/<id:participant_id>/baseline/", participants.baseline, name="baseline"),
    path("participants/<id:participant_id>/randomize/", participants.randomize, name="randomize"),
    path("participants/<id:participant_id>/withdraw/", participants.withdraw, name="withdraw"),
    path(
        "participants/<id:participant_id>/stop-treatment/",
        participants.stop_treatment,
        name="stop_treatment",
    ),
    path(
        "participants/<id:participant_id>/diary/", diary.participant_diary, name="participant_diary"
    ),
    path(
        "participants/<id:participant_id>/nights/<str:night>/",
        diary.staff_night,
        name="staff_night",
    ),
    path(
        "participants/<id:participant_id>/adverse-events/new/",
        adverse_events.adverse_event_new,
        name="adverse_event_new",
    ),
    path(
        "participants/<id:participant_id>/adverse-events/<int:event_id>/",
        adverse_events.adverse_event_edit,
        name="adverse_event_edit",
    ),
]

urlpatterns += [
    path("queries/", datamgmt.query_list, name="queries"),
    path("queries/<int:query_id>/", datamgmt.query_detail, name="query"),
    path("sdv/", datamgmt.sdv_progress_view, name="sdv_progress"),
    path("participants/<id:participant_id>/casebook/", datamgmt.casebook, name="casebook"),
    path(
        "participants/<id:participant_id>/casebook/verify/",
        datamgmt.casebook_verify,
        name="casebook_verify",
    ),
    path(
        "participants/<id:participant_id>/casebook/sign/",
        datamgmt.casebook_sign_view,
        name="casebook_sign",
    ),
    path(
        "participants/<id:participant_id>/casebook/lock/",
        datamgmt.casebook_lock_view,
        name="casebook_lock",
    ),
    path("participants/<id:participant_id>/queries/new/", datamgmt.query_new, name="query_new"),
]

urlpatterns += allocation_urlpatterns
