from django.urls import path

from planning import views

app_name = "planning"

urlpatterns = [
    path("", views.tree, name="tree"),
    path(
        "albero/strategici/<int:pk>/",
        views.tree_strategic_branch,
        name="tree_strategic_branch",
    ),
    path("albero/unita/<int:pk>/", views.tree_unit_branch, name="tree_unit_branch"),
    path("albero/senza-unita/", views.tree_unit_branch, name="tree_no_unit_branch"),
    path("albero/aree/<int:pk>/", views.tree_area_branch, name="tree_area_branch"),
    path("scelte/unita/", views.unit_options, name="unit_options"),
    path("scelte/responsabili/", views.person_options, name="person_options"),
    path("cicli/", views.cycle_list, name="cycle_list"),
    path("cicli/nuovo/", views.cycle_create, name="cycle_create"),
    path("cicli/<int:pk>/modifica/", views.cycle_edit, name="cycle_edit"),
    path("cicli/<int:pk>/proponi/", views.cycle_propose, name="cycle_propose"),
    path("cicli/<int:pk>/approva/", views.cycle_approve, name="cycle_approve"),
    path("cicli/<int:pk>/fase-successiva/", views.cycle_advance, name="cycle_advance"),
    path("cicli/<int:pk>/riporta-in-bozza/", views.cycle_return, name="cycle_return"),
    path("cicli/<int:pk>/anno-successivo/", views.cycle_copy, name="cycle_copy"),
    path("cicli/<int:pk>/revisioni/nuova/", views.revision_open, name="revision_open"),
    path("revisioni/<int:pk>/chiudi/", views.revision_close, name="revision_close"),
    path("cicli/<int:pk>/pesi/", views.weight_groups, name="weight_groups"),
    path("cicli/<int:pk>/pesi/nuovo/", views.weight_group_create, name="weight_group_create"),
    path("pesi/<int:pk>/modifica/", views.weight_group_edit, name="weight_group_edit"),
    path("cicli/<int:pk>/totale-pesi/", views.cycle_weight_total, name="cycle_weight_total"),
    path("cicli/<int:pk>/aree/nuova/", views.strategic_area_create, name="strategic_area_create"),
    path("aree/<int:pk>/modifica/", views.strategic_area_edit, name="strategic_area_edit"),
    path(
        "cicli/<int:pk>/strategici/nuovo/",
        views.strategic_objective_create,
        name="strategic_objective_create",
    ),
    path(
        "strategici/<int:pk>/modifica/",
        views.strategic_objective_edit,
        name="strategic_objective_edit",
    ),
    path("cicli/<int:pk>/obiettivi/nuovo/", views.objective_create, name="objective_create"),
    path("obiettivi/<int:pk>/", views.objective_detail, name="objective_detail"),
    path("obiettivi/<int:pk>/modifica/", views.objective_edit, name="objective_edit"),
    path("obiettivi/<int:pk>/elimina/", views.objective_delete, name="objective_delete"),
    path(
        "obiettivi/<int:pk>/totale-pesi/",
        views.objective_weight_total,
        name="objective_weight_total",
    ),
    path("obiettivi/<int:pk>/fasi/nuova/", views.phase_create, name="phase_create"),
    path("fasi/<int:pk>/modifica/", views.phase_edit, name="phase_edit"),
    path("fasi/<int:pk>/elimina/", views.phase_delete, name="phase_delete"),
    path("obiettivi/<int:pk>/indicatori/nuovo/", views.indicator_create, name="indicator_create"),
    path("indicatori/<int:pk>/modifica/", views.indicator_edit, name="indicator_edit"),
    path("indicatori/<int:pk>/elimina/", views.indicator_delete, name="indicator_delete"),
]
