from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo installation: the files in `demo/data/` and the `load_demo` command.

    At the top of the layers: it loads the demo through the interchange importer and the
    planning services, and nothing imports it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = "Dati dimostrativi"
