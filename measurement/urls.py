from django.urls import path

from measurement import views

app_name = "measurement"

urlpatterns = [
    path("", views.home, name="home"),
    path("cicli/<int:pk>/finestre/nuova/", views.window_create, name="window_create"),
    path("finestre/<int:pk>/chiudi/", views.window_close, name="window_close"),
    path("cicli/<int:pk>/solleciti/", views.reminders_send, name="reminders_send"),
    path("scadenze/", views.my_deadlines, name="my_deadlines"),
    path("scadenze/salva/", views.deadline_save, name="deadline_save"),
    path("indicatori/<int:pk>/", views.indicator, name="indicator"),
    path("indicatori/<int:pk>/anteprima/", views.indicator_preview, name="indicator_preview"),
    path("valori/<int:pk>/approva/", views.measurement_approve, name="measurement_approve"),
    path("valori/<int:pk>/correggi/", views.measurement_correct, name="measurement_correct"),
    path("valori/<int:pk>/evidenze/", views.evidence_add, name="evidence_add"),
    path("evidenze/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidenze/<int:pk>/elimina/", views.evidence_delete, name="evidence_delete"),
    path("unita/<int:pk>/parametri/", views.parameters, name="parameters"),
    path("parametri/<int:pk>/valori/", views.parameter_save, name="parameter_save"),
    path("obiettivi/<int:pk>/", views.objective, name="objective"),
    path("fasi/<int:pk>/avanzamento/", views.phase_progress, name="phase_progress"),
    path(
        "obiettivi/<int:pk>/azioni-correttive/",
        views.corrective_action_add,
        name="corrective_action_add",
    ),
    path(
        "azioni-correttive/<int:pk>/attuata/",
        views.corrective_action_done,
        name="corrective_action_done",
    ),
    path("obiettivi/<int:pk>/delegati/", views.delegate_add, name="delegate_add"),
    path("obiettivi/<int:pk>/delegati/cerca/", views.delegate_search, name="delegate_search"),
    path("delegati/<int:pk>/revoca/", views.delegate_remove, name="delegate_remove"),
    path("cruscotto/", views.dashboard_ente, name="dashboard_ente"),
    path("cruscotto/unita/<int:pk>/", views.dashboard_unit, name="dashboard_unit"),
    path("cruscotto/persone/<int:pk>/", views.dashboard_person, name="dashboard_person"),
    path("impostazioni-smvp/", views.smvp_settings, name="smvp_settings"),
]
