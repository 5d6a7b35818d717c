from django.urls import path

from transparency import payments_views, views

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
]
