from django.urls import path

from rewards import views

app_name = "rewards"

urlpatterns = [
    path("", views.fund_list, name="fund_list"),
    path("fondi/nuovo/", views.fund_create, name="fund_create"),
    path("contratto-integrativo/", views.integrative_contract, name="integrative_contract"),
    path("fondi/<int:pk>/modifica/", views.fund_edit, name="fund_edit"),
    path("fondi/<int:pk>/distribuzione/", views.distribution_preview, name="distribution_preview"),
    path("distribuzioni/<int:pk>/", views.distribution_detail, name="distribution_detail"),
    path("distribuzioni/<int:pk>/csv/", views.distribution_csv, name="distribution_csv"),
    path(
        "distribuzioni/<int:pk>/definitiva/",
        views.distribution_finalise,
        name="distribution_finalise",
    ),
]
