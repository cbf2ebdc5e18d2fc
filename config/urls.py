from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from diary.web import views as diary_views
from diary.web.language import language_choose

urlpatterns = [
    path("", diary_views.home, name="home"),
    path("healthz", diary_views.healthz, name="healthz"),
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
