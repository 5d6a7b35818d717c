from django.apps import AppConfig


class MeasurementConfig(AppConfig):
    name = "measurement"

    def ready(self) -> None:
        # Every write the scores depend on gives the ente a new data version.
        from core import pagecache
        from measurement import versions

        versions.connect()
        # Pages kept per data version (core.pagecache) read the version kept here.
        pagecache.register_version_source(
            pagecache.VersionSource(versions.token_of, versions.bumped_in_transaction)
        )
