from django.urls import path

from ranking import views

app_name = "ranking"

urlpatterns = [
    path("", views.ente_ranking, name="ente_ranking"),
]
