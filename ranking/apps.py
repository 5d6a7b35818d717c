from django.apps import AppConfig


class RankingConfig(AppConfig):
    """The cross-ente ranking: enti ranked by organisational performance and payment delay."""

    name = "ranking"
    verbose_name = "classifica degli enti"

    def ready(self) -> None:
        from ranking import signals

        signals.connect()
