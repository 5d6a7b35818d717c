from django.urls import path

from documents import table_views, views

app_name = "documents"

urlpatterns = [
    path("", views.index, name="index"),
    path("genera/", views.generate, name="generate"),
    path("storia/", views.history, name="history"),
    path("validazione/", views.validation, name="validation"),
    path("cicli/<int:pk>/validazione-relazione/", views.report_validate, name="report_validate"),
    path("impostazioni/", views.settings_update, name="settings_update"),
    path("pubblica/", views.publish, name="publish"),
    path("pubblicazioni/<int:pk>/ritira/", views.withdraw, name="withdraw"),
    path("generazioni/<int:pk>/", views.progress, name="progress"),
    path("generazioni/<int:pk>/stato/", views.freshness, name="freshness"),
    path("generazioni/<int:pk>/scarica/", views.download, name="download"),
    path("tabella/scarica/", table_views.table_download, name="table_download"),
]
