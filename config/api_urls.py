"""The REST API under /api/: the capture endpoints (diary.api), the analysis
endpoints (analysis.api), the OpenAPI schema and its interactive docs."""

from django.urls import include, path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Unknown API paths answer in the API's error shape, whatever the method, not
    with an HTML page (nor Django's CSRF page for a write)."""

    permission_classes = [AllowAny]

    def initial(self, request, *args, **kwargs):
        raise NotFound()


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("diary.api.urls")),
    path("", include("analysis.api.urls")),
    re_path(r"^.*$", NotFoundView.as_view()),
]
