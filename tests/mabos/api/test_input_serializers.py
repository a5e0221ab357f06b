"""InputSerializer copies its declared fields shallowly: each instance must still own what it binds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework import serializers

from mabos.api.serializers import InputSerializer


class Inner(InputSerializer):
    code = serializers.CharField(max_length=5)

    def validate_code(self, value: str) -> str:
        return f"{value}:{self.context.get('tag', '-')}"  # reaches the outer serializer's context


class Outer(InputSerializer):
    name = serializers.CharField(max_length=10)
    ids = serializers.ListField(child=serializers.IntegerField(min_value=0), max_length=3)
    inner = Inner(required=False)
    inners = serializers.ListField(child=Inner(), required=False)


def test_each_instance_binds_its_own_fields_and_the_declared_ones_stay_unbound():
    first, second = Outer(data={}), Outer(data={})
    for name in ("name", "ids", "inner", "inners"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
        assert getattr(Outer._declared_fields[name], "parent", None) is None
    assert first.fields["inner"].fields["code"] is not second.fields["inner"].fields["code"]  # nested: deep


def test_errors_and_values_do_not_leak_between_instances():
    with pytest.raises(serializers.ValidationError) as excinfo:
        Outer.parse({"name": "x" * 11, "ids": [1, -1, 2, 3]})
    assert set(excinfo.value.detail) == {"name", "ids"}
    assert Outer.parse({"name": "ok", "ids": [1]}) == {"name": "ok", "ids": [1]}


def test_nested_serializers_see_the_outer_context():
    data = Outer.parse({"name": "n", "ids": [], "inner": {"code": "a"}, "inners": [{"code": "b"}]}, tag="T")
    assert data["inner"] == {"code": "a:T"} and data["inners"] == [{"code": "b:T"}]


def test_concurrent_parses_each_get_their_own_answer():
    def parse(n: int) -> tuple[int, object]:
        payload = {"name": f"n{n}", "ids": [n % 7] * (n % 3 + 1)} if n % 2 else {"name": f"n{n}", "ids": [-n - 1]}
        try:
            return n, Outer.parse(payload)
        except serializers.ValidationError as exc:
            return n, exc.detail["ids"]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(parse, range(400)))
    for n, result in results:
        if n % 2:
            assert result == {"name": f"n{n}", "ids": [n % 7] * (n % 3 + 1)}
        else:
            assert result and "greater than or equal to 0" in str(result)
