"""The REST API under /api/: the capture endpoints (diary.api), the analysis
endpoints (analysis.api), the OpenAPI schema and its interactive docs."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Unknown API paths answer in the API's error shape, not with an HTML page."""
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("diary.api.urls")),
    path("", include("analysis.api.urls")),
    re_path(r"^.*$", not_found),
]
