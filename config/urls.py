from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from diary.web import views as diary_views
from diary.web.language import language_choose

urlpatterns = [
    path("", diary_views.home, name="home"),
    path("healthz", diary_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name none (the admin's, a file's).
    path("favicon.ico", RedirectView.as_view(url=static("diary/favicon.svg"), permanent=True)),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/language/", language_choose, name="language"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("reports/", include("analysis.web.urls")),
    path("exports/", include("diary.web.export_urls")),
    path("diary/", include("diary.web.own_diary.urls")),
    path("", include("diary.web.urls")),
]
