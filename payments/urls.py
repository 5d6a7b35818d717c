from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("strutture/<int:unit_id>/", views.unit_detail, name="unit"),
    path("fatture/", views.invoice_list, name="invoices"),
    path("fatture/<int:pk>/", views.invoice_detail, name="invoice"),
    path("importa/", views.import_start, name="import_start"),
    path("importa/<int:pk>/colonne/", views.import_mapping, name="import_mapping"),
    path("importa/<int:pk>/", views.import_detail, name="import_detail"),
    path("importa/<int:pk>/conferma/", views.import_commit, name="import_commit"),
    path("simulazione/", views.what_if, name="what_if"),
    path("fondo-garanzia/", views.fgdc, name="fgdc"),
    path("stock/", views.stock, name="stock"),
    path("stock/<int:pk>/congela/", views.stock_freeze, name="stock_freeze"),
    path("regole/", views.rules_edit, name="rules"),
]
