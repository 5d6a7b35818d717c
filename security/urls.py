from django.urls import path

from security import saml_views, spid_views, sso_views

app_name = "security"

urlpatterns = [
    path("oidc/accedi/", sso_views.oidc_login, name="oidc_login"),
    path("oidc/ritorno/", sso_views.oidc_callback, name="oidc_callback"),
    path("saml/accedi/", saml_views.saml_login, name="saml_login"),
    path("saml/acs/", saml_views.saml_acs, name="saml_acs"),
    path("saml/metadati/", saml_views.saml_metadata, name="saml_metadata"),
    path("saml/sls/", saml_views.saml_sls, name="saml_sls"),
    # SPID/CIE as relying party of the OIDC federation: the entity id is .../accesso/spid/
    path(
        "spid/.well-known/openid-federation",
        spid_views.entity_configuration,
        name="spid_entity_configuration",
    ),
    path("spid/accedi/", spid_views.spid_login, name="spid_login"),
    path("spid/ritorno/", spid_views.spid_callback, name="spid_callback"),
]
