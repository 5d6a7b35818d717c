from django.urls import path

from security import sso_views

app_name = "security"

urlpatterns = [
    path("oidc/accedi/", sso_views.oidc_login, name="oidc_login"),
    path("oidc/ritorno/", sso_views.oidc_callback, name="oidc_callback"),
]
