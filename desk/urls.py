from django.urls import path

from desk import views

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("scadenze.ics", views.deadlines_calendar, name="calendar"),
    path("calendario/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
