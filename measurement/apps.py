from django.apps import AppConfig


class MeasurementConfig(AppConfig):
    name = "measurement"

    def ready(self) -> None:
        # Every write the scores depend on gives the ente a new data version.
        from measurement import versions

        versions.connect()
