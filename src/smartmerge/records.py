"""Immutable records between stages, at a fraction of ``dataclasses``' start-up.

git starts the merge driver once per file, so what the merge path imports and builds
at start-up is paid per file. ``import dataclasses`` costs about 11 ms (it pulls in
inspect, dis, tokenize, ...) and each ``@dataclass(frozen=True)`` class about 0.3 ms
to create (six ``exec`` calls of generated source); the merge path defines about 35
of them. ``@record`` makes the same classes with one ``exec`` per class (the
``__init__``, as fast per instance as the dataclass's: it stores straight into the
instance's ``__dict__``) and closures for the rest, and imports nothing.

What the merge path uses of ``dataclass(frozen=True)`` holds here too (tests/test_records.py):

- ``__init__`` takes the annotated fields in order, record base classes' fields first,
  positionally or by keyword; defaults stay class attributes (parsing/python.py's
  ``_node`` builds nodes without ``__init__`` and relies on that), ``field(default_factory=...)``
  gives each instance a fresh value; ``ClassVar`` annotations are not fields; a
  ``__post_init__`` is called;
- ``__eq__`` compares the fields of two instances of the same class (anything else is
  ``NotImplemented``), ``__hash__`` hashes them (frozen records only; a mutable one is
  unhashable), ``__repr__`` is ``Name(field=value, ...)``, ``__match_args__`` is set; a
  method the class body defines itself is kept;
- assigning or deleting an attribute of a frozen record raises ``FrozenRecordError``
  (an ``AttributeError``); ``functools.cached_property`` still works, since it writes
  into the instance's ``__dict__`` directly;
- ``replace(record, **changes)`` is ``dataclasses.replace``.

Not supported, as nothing on the merge path uses them: ``field`` options other than
``default_factory``, ``InitVar``, ``KW_ONLY``, ``order``, ``slots``. ``dataclasses.fields``,
``asdict`` and ``replace`` take a record (through a ``__dataclass_fields__`` made when
first asked for, which imports dataclasses then). Modules off the merge path (the runner,
ranking, installing) keep stdlib dataclasses (docs/architecture.md). mypy reads
``record`` and ``mutable_record`` as dataclasses through PEP 681's ``dataclass_transform``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up; mypy reads the name as true
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    from typing_extensions import dataclass_transform

    _T = TypeVar("_T")
    _C = TypeVar("_C", bound=type)
    _R = TypeVar("_R")
else:

    def dataclass_transform(**_parameters: object) -> Callable[[_T], _T]:
        """PEP 681's marker does nothing at run time."""
        return lambda decorated: decorated


class FrozenRecordError(AttributeError):
    """An assignment to a field of a frozen record (dataclasses' FrozenInstanceError)."""


class _Factory:
    """What ``field(default_factory=...)`` leaves in the class body until ``record`` reads it."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], object]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], _T]) -> _T:
    """A field whose default is made afresh for each instance, as ``dataclasses.field``."""
    # the marker object stands in for the value only inside the class body: record()
    # takes it out, and mypy must type the field as the factory's value
    return _Factory(default_factory)  # type: ignore[return-value]  # see the comment above


# __init__'s stand-in for "no value given" for a field with a factory
_NO_VALUE = object()


class _StdlibFields:
    """A record's ``__dataclass_fields__``, made when first asked for, so that
    ``dataclasses.fields``, ``asdict``, ``replace`` and ``is_dataclass`` take a record as
    they took the dataclass it replaced (``MergeOptions`` and ``MergeResult`` are public):
    the fields of a stand-in dataclass made then, which imports dataclasses then and not
    at start-up."""

    def __get__(self, instance: object, owner: Any) -> dict[str, Any]:
        made: dict[str, Any] | None = owner.__dict__.get("__record_stdlib_fields__")
        if made is None:
            import dataclasses

            annotations: dict[str, object] = {}
            for klass in reversed(owner.__mro__):
                body = klass.__dict__
                annotations.update(body.get("__annotations__", {}))
            specs = []
            for name, default in owner.__record_fields__.items():
                if isinstance(default, _Factory):
                    spec = dataclasses.field(default_factory=default.make)
                else:
                    spec = dataclasses.field() if default is _NO_VALUE else dataclasses.field(default=default)
                specs.append((name, annotations[name], spec))
            stand_in = dataclasses.make_dataclass(owner.__name__, specs, frozen=owner.__record_frozen__)
            made = vars(stand_in)["__dataclass_fields__"]
            owner.__record_stdlib_fields__ = made
        return made


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: _C, /) -> _C:
    """Make ``cls`` an immutable record (``@dataclass(frozen=True)``)."""
    made: _C = _make(cls, frozen=True)
    return made


@dataclass_transform(field_specifiers=(field,))
def mutable_record(cls: _C, /) -> _C:
    """Make ``cls`` a record whose fields may be assigned (``@dataclass``): an
    accumulator filled in by one stage, never handed on. Unhashable, as a dataclass."""
    made: _C = _make(cls, frozen=False)
    return made


def replace(record: _R, /, **changes: Any) -> _R:
    """A copy of ``record`` with ``changes`` (``dataclasses.replace``); an unknown
    field name is a TypeError, as it is to ``__init__``."""
    cls: Any = record.__class__
    fields = getattr(cls, "__record_fields__", None)
    if fields is None:
        raise TypeError(f"replace() takes a record, not {cls.__qualname__}")
    for name in fields:
        if name not in changes:
            changes[name] = getattr(record, name)
    new: _R = cls(**changes)
    return new


def _make(cls: Any, *, frozen: bool) -> Any:
    fields: dict[str, object] = {}  # name -> default, a _Factory or _NO_VALUE
    for base in reversed(cls.__mro__[1:]):
        inherited = base.__dict__.get("__record_fields__")
        if inherited is not None:
            if base.__dict__["__record_frozen__"] != frozen:
                raise TypeError(f"{cls.__qualname__}: a record base and its subclass must be both frozen or both mutable")
            fields.update(inherited)
    body = cls.__dict__
    for name, annotation in body.get("__annotations__", {}).items():
        # every module has ``from __future__ import annotations``: annotations are strings
        text = annotation if isinstance(annotation, str) else repr(annotation)
        if text.startswith(("ClassVar", "typing.ClassVar")):
            continue
        default = body.get(name, _NO_VALUE)
        if isinstance(default, _Factory):
            delattr(cls, name)  # as dataclasses: no class attribute for a made default
        elif default is not _NO_VALUE and default.__class__.__hash__ is None:
            raise ValueError(f"{cls.__qualname__}.{name}: mutable default {default.__class__.__name__}, use field(default_factory=...)")
        fields[name] = default
    for name, value in body.items():
        if isinstance(value, _Factory) and name not in fields:
            raise TypeError(f"{cls.__qualname__}.{name} is a field but has no type annotation")
    names = tuple(fields)
    cls.__record_fields__ = fields
    cls.__record_frozen__ = frozen
    if "__dataclass_fields__" not in body:
        cls.__dataclass_fields__ = _StdlibFields()
    _define(cls, "__init__", _init(cls, fields, frozen))
    key = _key(names)
    _define(cls, "__repr__", _repr(names))
    _define(cls, "__eq__", _eq(key))
    # a class body that defines __eq__ alone gets __hash__ = None from Python itself
    hash_set = body.get("__hash__", _NO_VALUE)
    explicit_hash = not (hash_set is _NO_VALUE or (hash_set is None and "__eq__" in body))
    if not explicit_hash:
        cls.__hash__ = _hash(key) if frozen else None  # as dataclasses: a mutable record is unhashable
    if "__match_args__" not in body:
        cls.__match_args__ = names  # type: ignore[misc]  # mypy takes __match_args__ for a class's own declaration
    if frozen:
        for method in ("__setattr__", "__delattr__"):
            if method in body:
                raise TypeError(f"{cls.__qualname__} defines {method}: a frozen record cannot")
        cls.__setattr__, cls.__delattr__ = _frozen(cls, frozenset(names))
    return cls


def _define(cls: type, name: str, function: Callable[..., Any]) -> None:
    """Set a generated method unless the class body wrote its own (as dataclasses)."""
    if name not in cls.__dict__:
        function.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, function)


def _init(cls: type, fields: dict[str, object], frozen: bool) -> Callable[..., None]:
    """``__init__``, from source: the one exec per record class."""
    me = "__record_self__" if "self" in fields else "self"
    names: dict[str, object] = {"__record_no_value__": _NO_VALUE}
    parameters, lines = [me], []
    # a frozen record's own __setattr__ refuses: its __init__ stores into the __dict__
    # (dataclasses calls object.__setattr__ per field, twice as slow)
    store = "__record_vars__[{0!r}] = {1}" if frozen else f"{me}.{{0}} = {{1}}"
    if frozen:
        lines.append(f"__record_vars__ = {me}.__dict__")
    for name, default in fields.items():
        if isinstance(default, _Factory):
            names[f"__record_make_{name}__"] = default.make
            parameters.append(f"{name}=__record_no_value__")
            value = f"__record_make_{name}__() if {name} is __record_no_value__ else {name}"
        elif default is _NO_VALUE:
            if len(parameters) > 1 and "=" in parameters[-1]:
                raise TypeError(f"{cls.__qualname__}: field {name!r} without a default follows one with a default")
            parameters.append(name)
            value = name
        else:
            names[f"__record_default_{name}__"] = default
            parameters.append(f"{name}=__record_default_{name}__")
            value = name
        lines.append(store.format(name, value))
    if hasattr(cls, "__post_init__"):
        lines.append(f"{me}.__post_init__()")
    source = f"def __init__({', '.join(parameters)}):\n    " + "\n    ".join(lines or ["pass"]) + "\n"
    exec(source, names)  # the source is made above from identifiers, as dataclasses does
    init: Callable[..., None] = names["__init__"]  # type: ignore[assignment]  # exec defined it just now
    return init


def _key(names: tuple[str, ...]) -> Callable[[object], object]:
    """The fields of an instance, as one value to compare and hash."""
    if not names:
        return lambda _instance: ()
    from operator import attrgetter  # already loaded at start-up (collections imports it)

    return attrgetter(*names)


def _repr(names: tuple[str, ...]) -> Callable[[object], str]:
    def __repr__(self: object) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _eq(key: Callable[[object], object]) -> Callable[[object, object], bool]:
    def __eq__(self: object, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(key(self) == key(other))
        return NotImplemented

    return __eq__


def _hash(key: Callable[[object], object]) -> Callable[[object], int]:
    def __hash__(self: object) -> int:
        return hash(key(self))

    return __hash__


def _frozen(cls: Any, names: frozenset[str]) -> tuple[Callable[[object, str, object], None], Callable[[object, str], None]]:
    # as dataclasses: a subclass that is no record may set attributes that are not fields
    def __setattr__(self: object, name: str, value: object) -> None:
        if self.__class__ is cls or name in names:
            raise FrozenRecordError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: object, name: str) -> None:
        if self.__class__ is cls or name in names:
            raise FrozenRecordError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    __setattr__.__qualname__ = f"{cls.__qualname__}.__setattr__"
    __delattr__.__qualname__ = f"{cls.__qualname__}.__delattr__"
    return __setattr__, __delattr__
