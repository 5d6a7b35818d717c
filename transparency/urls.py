from django.urls import path

from transparency import payments_views, performance, views

app_name = "transparency"

urlpatterns = [
    path("<slug:slug>/premi/", views.premi_years, name="premi_years"),
    path("<slug:slug>/premi/<int:year>/", views.premi, name="premi"),
    path("<slug:slug>/premi/<int:year>/premi.csv", views.premi_csv, name="premi_csv"),
    path("<slug:slug>/pagamenti/", payments_views.payments_index, name="payments"),
    path("<slug:slug>/pagamenti/<int:year>/", payments_views.payments_year, name="payments_year"),
    path(
        "<slug:slug>/pagamenti/<int:year>/pagamenti.csv",
        payments_views.payments_csv,
        name="payments_csv",
    ),
    path(
        "<slug:slug>/pagamenti/<int:year>/pagamenti.json",
        payments_views.payments_json,
        name="payments_json",
    ),
    # Amministrazione Trasparente > Performance (documents engineer: transparency/performance.py)
    path("<slug:slug>/performance/", performance.performance_index, name="performance"),
    path("<slug:slug>/stemma/", performance.stemma, name="stemma"),
    path(
        "<slug:slug>/performance/<int:year>/<slug:section>/",
        performance.performance_section,
        name="performance_section",
    ),
    path(
        "<slug:slug>/performance/<int:year>/<slug:section>/documento/",
        performance.performance_file,
        name="performance_file",
    ),
    path(
        "<slug:slug>/performance/<int:year>/<slug:section>/dati.csv",
        performance.performance_csv,
        name="performance_csv",
    ),
    path(
        "<slug:slug>/performance/<int:year>/<slug:section>/dati.json",
        performance.performance_json,
        name="performance_json",
    ),
]
