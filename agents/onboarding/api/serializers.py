"""API shape of onboarding: describe a business."""

from __future__ import annotations

from rest_framework import serializers

from agents.onboarding.services import SIZES
from mabos.api.serializers import InputSerializer


class OnboardInput(InputSerializer):
    name = serializers.CharField(max_length=200, allow_blank=True)
    slug = serializers.CharField(max_length=64, required=False)
    industry = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    description = serializers.CharField(max_length=5000, allow_blank=True)
    size = serializers.JSONField(help_text=f"People (a number) or one of {', '.join(SIZES)}.")
    roles = serializers.ListField(child=serializers.CharField(max_length=64), allow_empty=True,
                                  help_text="Role template slugs: ceo, cfo, coo, cmo, cto, hr, legal, strategy, "
                                            "knowledge.")
    markets = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    products = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
