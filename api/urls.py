from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("enti/", views.EnteList.as_view(), name="enti"),
    path("cicli/", views.CycleList.as_view(), name="cycles"),
    path("cicli/<int:pk>/", views.CycleDetail.as_view(), name="cycle"),
    path("cicli/<int:pk>/obiettivi/", views.ObjectiveList.as_view(), name="objectives"),
]
