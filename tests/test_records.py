"""records.py: the immutable records between stages behave as frozen dataclasses do."""

from __future__ import annotations

import copy
import pickle
from functools import cached_property
from typing import ClassVar

import pytest

from smartmerge.records import FrozenRecordError, field, mutable_record, record, replace
from smartmerge.tree import Node


@record
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    # a ClassVar is no field: not in __init__, not compared
    unit: ClassVar[str] = "px"

    @cached_property
    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


@record
class Point3(Point):
    z: int = 0


@record
class Other:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()


@record
class Bag:
    label: str
    items: list[str] = field(default_factory=list)


@mutable_record
class Tally:
    names: set[str] = field(default_factory=set)
    count: int = 0


def test_fields_in_annotation_order_positional_or_by_keyword() -> None:
    assert Point(1, 2, ("a",)) == Point(x=1, tags=("a",), y=2)
    point = Point(3)
    assert (point.x, point.y, point.tags) == (3, 0, ())
    assert Point.__match_args__ == ("x", "y", "tags")
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]  # x has no default: that is the point
    with pytest.raises(TypeError):
        Point(1, 2, (), "px")  # type: ignore[call-arg]  # the ClassVar is no parameter
    with pytest.raises(TypeError):
        Point(1, w=2)  # type: ignore[call-arg]  # no such field


def test_a_factory_makes_a_fresh_value_for_each_instance_and_a_default_stays_a_class_attribute() -> None:
    first, second = Bag("a"), Bag("a")
    first.items.append("a")
    assert second.items == []
    assert Bag("b", ["x"]).items == ["x"]
    assert Point.y == 0  # parsing/python.py's _node relies on it
    assert "items" not in Bag.__dict__  # as dataclasses: a made default is no class attribute


def test_equal_only_to_the_same_class_with_equal_fields() -> None:
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(1, 3)
    assert Point(1, 2) != Other(1, 2)  # type: ignore[comparison-overlap]  # same fields, another class: the point
    assert Point(1, 2) != Point3(1, 2)  # a subclass is another class too
    assert Point.__eq__(Point(1), 1) is NotImplemented
    assert Point(1) != (1, 0, ())  # type: ignore[comparison-overlap]  # a tuple of the fields: the point
    assert Bag("a", ["x"]) == Bag("a", ["x"])


def test_a_frozen_record_hashes_its_fields_and_a_mutable_one_is_unhashable() -> None:
    assert hash(Point3(1, 2, (), 3)) == hash(Point3(1, 2, (), 3))
    assert {Node("def", "f", "def f(): pass\n"), Node("def", "f", "def f(): pass\n")} == {Node("def", "f", "def f(): pass\n")}
    assert len({Point3(1, 2, z=3), Point3(1, 2, z=4)}) == 2
    with pytest.raises(TypeError):
        hash(Tally())
    with pytest.raises(TypeError):  # a frozen record with a list field, as a dataclass
        hash(Bag("a"))


def test_assigning_or_deleting_a_field_of_a_frozen_record_fails() -> None:
    point = Point(1)
    with pytest.raises(FrozenRecordError, match="cannot assign to field 'x'"):
        point.x = 2  # type: ignore[misc]  # read-only: that is the point
    with pytest.raises(AttributeError):  # FrozenRecordError is one, as dataclasses' error is
        point.other = 2  # type: ignore[attr-defined]  # no such attribute either
    with pytest.raises(FrozenRecordError, match="cannot delete field 'y'"):
        del point.y
    assert point == Point(1)


def test_a_mutable_record_takes_assignments() -> None:
    tally = Tally()
    tally.names.add("a")
    tally.count += 1
    assert tally == Tally({"a"}, 1)
    assert Tally().names is not Tally().names


def test_cached_property_works_on_a_frozen_record() -> None:
    point = Point(-3, 4)
    assert point.norm == 7
    assert point.__dict__["norm"] == 7  # cached in the instance, past the frozen __setattr__
    assert point == Point(-3, 4)  # the cache is no field: equality and hash ignore it
    assert hash(point) == hash(Point(-3, 4))


def test_replace_changes_the_given_fields_and_keeps_the_rest() -> None:
    point = Point3(1, 2, ("a",), 3)
    moved = replace(point, y=5)
    assert moved == Point3(1, 5, ("a",), 3)
    assert type(moved) is Point3
    assert point == Point3(1, 2, ("a",), 3)
    bag = Bag("a", ["x"])
    assert replace(bag, label="b").items is bag.items  # as dataclasses: the value, not a new factory's
    with pytest.raises(TypeError):
        replace(point, w=1)
    with pytest.raises(TypeError):
        replace(object())


def test_replace_of_a_node_forgets_its_cached_text() -> None:
    leaf = Node("expr", None, "x = 1\n")
    parent = Node("module", None, "", children=(leaf,))
    assert parent.text == "x = 1\n"
    changed = replace(parent, children=(Node("expr", None, "x = 2\n"),))
    assert changed.text == "x = 2\n"
    assert changed.kind == "module" and changed.tail == ""


def test_inheritance_puts_the_base_fields_first_and_keeps_their_defaults() -> None:
    point = Point3(1, z=4)
    assert (point.x, point.y, point.tags, point.z) == (1, 0, (), 4)
    assert Point3.__match_args__ == ("x", "y", "tags", "z")
    assert point.norm == 1  # the base's methods come along
    with pytest.raises(FrozenRecordError):
        point.z = 1  # type: ignore[misc]  # read-only: that is the point


def test_repr_names_the_class_and_every_field() -> None:
    assert repr(Point3(1, 2, ("a",), 3)) == "Point3(x=1, y=2, tags=('a',), z=3)"
    assert repr(Tally()) == "Tally(names=set(), count=0)"


def test_what_the_class_body_defines_is_kept_and_post_init_runs() -> None:
    @record
    class Named:
        name: str
        seen: list[str] = field(default_factory=list)

        def __post_init__(self) -> None:
            self.seen.append(self.name)

        def __repr__(self) -> str:
            return f"<{self.name}>"

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Named) and other.name.lower() == self.name.lower()

        def __hash__(self) -> int:
            return hash(self.name.lower())

    named = Named("A")
    assert named.seen == ["A"]
    assert repr(named) == "<A>"
    assert named == Named("a") and hash(named) == hash(Named("a"))


def test_mistakes_dataclasses_refuses_are_refused() -> None:
    with pytest.raises(ValueError, match="mutable default"):
        @record
        class ListDefault:
            items: list[int] = []  # noqa: RUF012  # the mistake under test

    with pytest.raises(TypeError, match="follows one with a default"):
        @record
        class Order:
            first: int = 0
            second: int  # type: ignore[misc]  # the mistake under test

    with pytest.raises(TypeError, match="both frozen or both mutable"):
        @mutable_record
        class Thawed(Point):  # type: ignore[misc]  # the mistake under test
            pass


def test_records_copy_and_pickle_as_dataclasses_do() -> None:
    point = Point3(1, 2, ("a",), 3)
    assert point.norm == 3
    assert pickle.loads(pickle.dumps(point)) == point
    bag = Bag("a", ["x"])
    assert copy.deepcopy(bag) == bag and copy.deepcopy(bag).items is not bag.items
    node = Node("def", "f", "def f():\n", children=(Node("expr", None, "    pass\n"),))
    assert pickle.loads(pickle.dumps(node)).text == node.text


def test_the_stdlib_dataclass_functions_take_a_record() -> None:
    # MergeOptions and MergeResult were dataclasses: code written against them keeps working
    import dataclasses

    from smartmerge.options import MergeOptions

    assert [f.name for f in dataclasses.fields(Point3)] == ["x", "y", "tags", "z"]
    assert dataclasses.replace(Point3(1, z=2), y=3) == Point3(1, 3, (), 2)
    assert dataclasses.asdict(Bag("a", ["x"])) == {"label": "a", "items": ["x"]}
    assert dataclasses.fields(Bag)[1].default_factory is list
    assert dataclasses.replace(MergeOptions(), timeout=3.0) == MergeOptions(timeout=3.0)
    assert [f.name for f in dataclasses.fields(Tally)] == ["names", "count"]
    assert dataclasses.is_dataclass(Point3(1))
    assert dataclasses.is_dataclass(Point3)
