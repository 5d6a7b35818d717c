from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("desk.urls")),
    path("", include("accounts.urls")),
    path("organizzazione/", include("organization.urls")),
    path("piano/", include("planning.urls")),
    path("importazione/", include("interchange.urls")),
    path("monitoraggio/", include("measurement.urls")),
    path("valutazione/", include("appraisal.urls")),
    path("premi/", include("rewards.urls")),
    path("pagamenti/", include("payments.urls")),
    path("documenti/", include("documents.urls")),
    path("trasparenza/", include("transparency.urls")),
    path("api/", include("api.urls")),
    path("integrazioni/", include("integrations.urls")),
    path("dati-personali/", include("operations.urls")),
    path("accesso/", include("security.urls")),
    path("classifica-enti/", include("ranking.urls")),
    path("django-admin/", admin.site.urls),
]

handler404 = "api.errors.not_found"
