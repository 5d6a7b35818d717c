from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "rewards"

    def ready(self) -> None:
        # A scheda paid by a final distribution is not reopened: the rule is the premiums', so
        # rewards gives it to appraisal (which sits below and never imports rewards).
        from appraisal.services import REOPEN_GUARDS
        from rewards.selectors import final_distribution_guard

        if final_distribution_guard not in REOPEN_GUARDS:
            REOPEN_GUARDS.append(final_distribution_guard)
