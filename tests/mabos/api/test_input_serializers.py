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


def test_a_thread_reuses_its_instance_and_nothing_of_one_parse_reaches_the_next():
    assert Outer.parse({"name": "a", "ids": [], "inner": {"code": "x"}}, tag="A")["inner"] == {"code": "x:A"}
    fields = Outer.parse({"name": "b", "ids": []})  # no context this time
    assert fields == {"name": "b", "ids": []}
    assert Outer.parse({"name": "c", "ids": [], "inner": {"code": "y"}})["inner"] == {"code": "y:-"}
    with pytest.raises(serializers.ValidationError):
        Outer.parse({"name": "d", "ids": [-1]})
    assert Outer.parse({"name": "e", "ids": [2]}) == {"name": "e", "ids": [2]}  # the error did not stick
    with pytest.raises(serializers.ValidationError) as excinfo:
        Outer.parse({"name": "f", "ids": [], "stray": 1})
    assert set(excinfo.value.detail) == {"stray"}


def test_a_class_that_shapes_its_fields_per_instance_is_never_reused():
    built = []

    class PerRequest(InputSerializer):
        name = serializers.CharField(max_length=10)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self)

    PerRequest.parse({"name": "a"})
    PerRequest.parse({"name": "b"})
    assert len(built) == 2 and built[0] is not built[1]
