from django.urls import path

from interchange import views

app_name = "interchange"

urlpatterns = [
    path("piano/", views.plan_upload, name="plan_upload"),
    path("importazioni/<int:pk>/", views.plan_preview, name="plan_preview"),
    path("importazioni/<int:pk>/stato/", views.plan_status, name="plan_status"),
    path("piano/modello.xlsx", views.plan_template, name="plan_template"),
    path("ciclo/", views.cycle_file, name="cycle_file"),
    path("cicli/<int:pk>/scarica/", views.cycle_download, name="cycle_download"),
]
