"""Routes of the analysis API, mounted under /api/ (see config/api_urls.py)."""

from rest_framework.routers import SimpleRouter

from analysis.api import views

app_name = "analysis-api"

router = SimpleRouter()
router.register("reports", views.ReportViewSet, basename="report")

urlpatterns = router.urls
