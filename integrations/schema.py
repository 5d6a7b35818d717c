"""The API token in the OpenAPI schema (`Authorization: Bearer pf_…`)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Token dell'ente (pf_…), creato dall'amministratore nella pagina "
            "«Token API»; le autorizzazioni del token decidono le operazioni ammesse.",
        }
