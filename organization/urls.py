from django.urls import path

from organization import views

app_name = "organization"

urlpatterns = [
    path("", views.chart, name="chart"),
    path("enti/", views.ente_list, name="ente_list"),
    path("unita/nuova/", views.unit_create, name="unit_create"),
    path("unita/verifica/", views.unit_check, name="unit_check"),
    path("unita/<int:pk>/", views.unit_view, name="unit"),
    path("unita/<int:pk>/personale/", views.unit_staff, name="unit_staff"),
    path("unita/<int:pk>/modifica/", views.unit_update, name="unit_update"),
    path("unita/<int:pk>/elimina/", views.unit_delete, name="unit_delete"),
    path("persone/", views.people, name="people"),
    path("persone/nuova/", views.person_create, name="person_create"),
    path("persone/importa/", views.payroll_upload, name="payroll_upload"),
    path("persone/importa/conferma/", views.payroll_commit, name="payroll_commit"),
    path("persone/<int:pk>/", views.person_view, name="person"),
    path("persone/<int:pk>/modifica/", views.person_update, name="person_update"),
    path(
        "persone/<int:person_pk>/rapporti/nuovo/",
        views.employment_create,
        name="employment_create",
    ),
    path("rapporti/<int:pk>/modifica/", views.employment_update, name="employment_update"),
    path(
        "persone/<int:person_pk>/assegnazioni/nuova/",
        views.assignment_create,
        name="assignment_create",
    ),
    path("assegnazioni/<int:pk>/modifica/", views.assignment_update, name="assignment_update"),
    path("assegnazioni/<int:pk>/concludi/", views.assignment_end, name="assignment_end"),
]
