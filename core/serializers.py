"""Serializer bases shared by every API: unknown fields are an error, not silently dropped."""

from typing import Any

from django.http import QueryDict
from rest_framework import serializers


class StrictSerializer(serializers.Serializer):
    """An input serializer that names unknown fields instead of ignoring them (a typo in a field
    name would otherwise look like success), and, in a multipart body, a field that takes one value
    given as several parts (the last one counted, as if the others were not there: which one the
    client meant would be a guess, as for a name given twice in a JSON object)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        if isinstance(data, QueryDict):
            twice = sorted(
                name
                for name, values in data.lists()
                if len(values) > 1 and not isinstance(self.fields.get(name), serializers.ListField)
            )
            if twice:
                raise serializers.ValidationError({name: ["Given more than once."] for name in twice})
        return super().to_internal_value(data)


class JSONString(serializers.CharField):
    """A JSON string only: DRF's CharField takes 123 as "123", so a client's mistake became a setting."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class VideosQuery(StrictSerializer):
    """`?videos=keep|delete` (keep by default), where ending someone's access may also delete their
    videos of me (a block, a revoked grant, a narrowed audience): a misspelt or repeated choice is a
    400, not the default, which would keep videos the person believes deleted."""

    videos = serializers.ChoiceField(choices=["keep", "delete"], default="keep")


def query_values(params: QueryDict) -> dict[str, Any]:
    """A query string's parameters, one value each, for a StrictSerializer: a name given twice is
    refused (which of the two counts would be a guess, e.g. `?appearances=delete&appearances=keep`)."""
    repeated = sorted(name for name, values in params.lists() if len(values) > 1)
    if repeated:
        raise serializers.ValidationError({name: ["Given more than once."] for name in repeated})
    return params.dict()


def no_body(data: Any) -> None:
    """For a request whose choices are query parameters (DELETE /me?appearances=...): a body is
    refused, not ignored (`{"appearances": "delete"}` sent as JSON would erase with the default)."""
    if data:
        names = [str(name) for name in data] if isinstance(data, dict) else ["body"]
        raise serializers.ValidationError(
            {name: ["This request takes no body: give it in the query string."] for name in names}
        )
