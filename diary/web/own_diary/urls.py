"""The participant's pages, under their personal link: /diary/<token>/..."""

from django.urls import path

from diary.web.own_diary import views

app_name = "own_diary"

urlpatterns = [
    path("<str:token>/", views.home, name="home"),
    path("<str:token>/nights/<str:night>/", views.night, name="night"),
    path("<str:token>/language/", views.language, name="language"),
]
