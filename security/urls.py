from django.urls import path

from security import saml_views, sso_views

app_name = "security"

urlpatterns = [
    path("oidc/accedi/", sso_views.oidc_login, name="oidc_login"),
    path("oidc/ritorno/", sso_views.oidc_callback, name="oidc_callback"),
    path("saml/accedi/", saml_views.saml_login, name="saml_login"),
    path("saml/acs/", saml_views.saml_acs, name="saml_acs"),
    path("saml/metadati/", saml_views.saml_metadata, name="saml_metadata"),
]
