from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api import documents, views, write_views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("enti/", views.EnteList.as_view(), name="enti"),
    path("cicli/", views.CycleList.as_view(), name="cycles"),
    path("cicli/<int:pk>/", views.CycleDetail.as_view(), name="cycle"),
    path("cicli/<int:pk>/obiettivi/", views.ObjectiveList.as_view(), name="objectives"),
    path("cicli/<int:pk>/documenti/", documents.CycleDocumentList.as_view(), name="documents"),
    path("documenti/<int:pk>/", documents.DocumentDetail.as_view(), name="document"),
    path("documenti/<int:pk>/file/", documents.DocumentFile.as_view(), name="document_file"),
    path("cicli/<int:pk>/punteggi/", write_views.CycleScores.as_view(), name="cycle_scores"),
    path(
        "cicli/<int:pk>/schede-aggregati/",
        write_views.SchedeAggregates.as_view(),
        name="schede_aggregates",
    ),
    path("misure/", write_views.MeasurementPush.as_view(), name="measurement_push"),
    path("personale/", write_views.PersonPush.as_view(), name="person_push"),
    path("assenze/", write_views.AbsencePush.as_view(), name="absence_push"),
]
