"""Routes of the capture API, mounted under /api/ (see config/api_urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from diary.api import exports, own_diary, views

app_name = "api"

router = SimpleRouter()
router.register("sites", views.SiteViewSet, basename="site")
router.register("screenings", views.ScreeningViewSet, basename="screening")
router.register("participants", views.ParticipantViewSet, basename="participant")
router.register("diary-weeks", views.DiaryWeekViewSet, basename="diary-week")
router.register("adverse-events", views.AdverseEventViewSet, basename="adverse-event")
router.register("exports", exports.ExportRunViewSet, basename="export")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("trial/", views.TrialView.as_view(), name="trial"),
    path("calls-due/", views.CallsDueView.as_view(), name="calls-due"),
    path("diary/<str:token>/nights/", own_diary.NightsView.as_view(), name="own-diary-nights"),
    *router.urls,
]
