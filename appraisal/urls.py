from django.urls import path

from appraisal import views

app_name = "appraisal"

urlpatterns = [
    path("", views.index, name="index"),
    path("da-valutare/", views.evaluator_list, name="evaluator_list"),
    path("mia-scheda/", views.my_scheda, name="my_scheda"),
    path("verifica/", views.nucleo_overview, name="nucleo_overview"),
    path("sintesi/", views.aggregates, name="aggregates"),
    path("schede/<int:pk>/", views.scheda_detail, name="scheda_detail"),
    path("schede/<int:pk>/valuta/", views.scheda_edit, name="scheda_edit"),
    path("schede/<int:pk>/anteprima/", views.scheda_score_preview, name="scheda_score_preview"),
    path("schede/<int:pk>/proponi/", views.scheda_propose, name="scheda_propose"),
    path("schede/<int:pk>/colloquio/", views.scheda_interview, name="scheda_interview"),
    path("schede/<int:pk>/consegna/", views.scheda_deliver, name="scheda_deliver"),
    path("schede/<int:pk>/presa-visione/", views.scheda_acknowledge, name="scheda_acknowledge"),
    path("schede/<int:pk>/contesta/", views.scheda_contest, name="scheda_contest"),
    path(
        "schede/<int:pk>/autovalutazione/",
        views.scheda_self_evaluate,
        name="scheda_self_evaluate",
    ),
    path("schede/<int:pk>/pdf/", views.scheda_pdf, name="scheda_pdf"),
    path(
        "schede/<int:pk>/conciliazione/incontro/",
        views.conciliation_schedule,
        name="conciliation_schedule",
    ),
    path(
        "schede/<int:pk>/conciliazione/esito/",
        views.conciliation_decide,
        name="conciliation_decide",
    ),
    path("schede/<int:pk>/definitiva/", views.scheda_finalise, name="scheda_finalise"),
    path("schede/<int:pk>/riapri/", views.scheda_reopen, name="scheda_reopen"),
    # The page moved to documents (its write is the documents service's): old links still work.
    path(
        "cicli/<int:pk>/validazione-relazione/",
        views.report_validate_moved,
        name="report_validate",
    ),
    path("modelli/", views.scheme_list, name="scheme_list"),
    path("cicli/<int:pk>/modelli/nuovo/", views.scheme_create, name="scheme_create"),
    path("modelli/<int:pk>/modifica/", views.scheme_edit, name="scheme_edit"),
    path("modelli/<int:pk>/componenti/", views.scheme_components, name="scheme_components"),
    path("modelli/<int:pk>/fasce/", views.scheme_bands, name="scheme_bands"),
    path("cicli/<int:pk>/genera-schede/", views.schede_generate, name="schede_generate"),
    path("comportamenti/nuovo/", views.behaviour_create, name="behaviour_create"),
    path("comportamenti/<int:pk>/modifica/", views.behaviour_edit, name="behaviour_edit"),
]
