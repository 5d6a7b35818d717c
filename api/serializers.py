from __future__ import annotations

from rest_framework import serializers

from organization.models import Ente, Unit
from planning.models import (
    Cycle,
    Indicator,
    OperationalObjective,
    StrategicObjective,
    Target,
    WeightGroup,
)


class EnteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ente
        fields = ["id", "slug", "name", "kind", "ipa_code", "istat_code", "headcount"]


class CycleSerializer(serializers.ModelSerializer):
    ente: serializers.SlugRelatedField[Ente] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = Cycle
        fields = [
            "id",
            "ente",
            "year",
            "first_year",
            "last_year",
            "document_kind",
            "title",
            "state",
            "approval_body",
            "approval_act_number",
            "approval_act_date",
        ]


class TargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Target
        fields = ["year", "kind", "value", "value_to", "target_date", "text"]


class IndicatorSerializer(serializers.ModelSerializer):
    targets = TargetSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "key",
            "code",
            "name",
            "dimension",
            "formula",
            "unit_of_measure",
            "polarity",
            "baseline_value",
            "baseline_year",
            "weight",
            "targets",
        ]


class ObjectiveSerializer(serializers.ModelSerializer):
    unit: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(
        slug_field="key", read_only=True, allow_null=True
    )
    weight_group: serializers.SlugRelatedField[WeightGroup] = serializers.SlugRelatedField(
        slug_field="key", read_only=True, allow_null=True
    )
    strategic_objective: serializers.SlugRelatedField[StrategicObjective] = (
        serializers.SlugRelatedField(slug_field="key", read_only=True, allow_null=True)
    )
    indicators = IndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = OperationalObjective
        fields = [
            "id",
            "key",
            "code",
            "title",
            "description",
            "kind",
            "is_transversal",
            "is_payment_time",
            "tags",
            "unit",
            "responsible_label",
            "strategic_objective",
            "weight_group",
            "weight",
            "deadline",
            "mission_code",
            "programme_code",
            "indicators",
        ]
