"""Routes of the capture API, mounted under /api/ (see config/api_urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from diary.api import datamgmt, exports, own_diary, views

app_name = "api"

router = SimpleRouter()
router.register("sites", views.SiteViewSet, basename="site")
router.register("screenings", views.ScreeningViewSet, basename="screening")
router.register("participants", views.ParticipantViewSet, basename="participant")
router.register("diary-weeks", views.DiaryWeekViewSet, basename="diary-week")
router.register("adverse-events", views.AdverseEventViewSet, basename="adverse-event")
router.register("exports", exports.ExportRunViewSet, basename="export")
router.register("queries", datamgmt.QueryViewSet, basename="query")
router.register("casebooks", datamgmt.CasebookViewSet, basename="casebook")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("trial/", views.TrialView.as_view(), name="trial"),
    path("calls-due/", views.CallsDueView.as_view(), name="calls-due"),
    path("query-counts/", datamgmt.QueryCountsView.as_view(), name="query-counts"),
    path("sdv-progress/", datamgmt.SdvProgressView.as_view(), name="sdv-progress"),
    path("diary/<str:token>/nights/", own_diary.NightsView.as_view(), name="own-diary-nights"),
    *router.urls,
]
