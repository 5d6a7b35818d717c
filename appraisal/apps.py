from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "appraisal"
