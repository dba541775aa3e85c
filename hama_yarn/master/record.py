"""Frozen value classes for the master's events and actions, quick to define.

``@dataclass(frozen=True)`` writes and compiles ``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, ``__setattr__`` and ``__delattr__`` for every class it decorates: ~0.35 ms a
class, 8 ms for the 22 event and action classes of :mod:`hama_yarn.master.state`, paid by
every master process before its job can start.  A :class:`Record` subclass gets the same
behaviour from methods shared by all of them; defining one costs microseconds, creating an
instance about as much as a dataclass's (events are few: one per RPC, tick or exit).

What it keeps of a frozen dataclass: fields are the class's annotated names, its bases'
first; a value set in the class body is the field's default, ``dataclasses.field
(default_factory=...)`` a factory called per instance; positional or keyword arguments;
equality and hash by exact class and field values; ``repr`` ``Name(a=1, b='x')``;
assignment and deletion raise :class:`dataclasses.FrozenInstanceError`; ``__match_args__``.
Type checkers see the same through :func:`typing.dataclass_transform`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, dataclass_transform

__all__ = ["Record"]

_MISSING = object()


@dataclass_transform(eq_default=True, frozen_default=True, field_specifiers=(dataclasses.field,))
class Record:
    """Base of frozen value classes (see the module docstring)."""

    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}
    _factories: ClassVar[dict[str, Callable[[], Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        defaults = dict(cls._defaults)
        factories = dict(cls._factories)
        fields = list(cls._fields)
        for name, kind in cls.__dict__.get("__annotations__", {}).items():
            if str(kind).startswith(("ClassVar", "typing.ClassVar")):
                continue
            value = cls.__dict__.get(name, _MISSING)
            if isinstance(value, dataclasses.Field):
                if value.default_factory is not dataclasses.MISSING:
                    factories[name] = value.default_factory
                elif value.default is not dataclasses.MISSING:
                    defaults[name] = value.default
                delattr(cls, name)
            elif value is not _MISSING:
                defaults[name] = value
            if name not in fields:
                fields.append(name)
            if name not in defaults and name not in factories and any(
                    f in defaults or f in factories for f in fields[: fields.index(name)]):
                raise TypeError(f"{cls.__name__}: field {name!r} without a default follows one with a default")
        cls._fields = tuple(fields)
        cls._defaults = defaults
        cls._factories = factories
        type.__setattr__(cls, "__match_args__", cls._fields)  # `match` statements: positional patterns

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments but {len(args)} were given")
        values = dict(zip(fields, args))
        for name, value in kwargs.items():
            if name not in fields:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {name!r}")
            if name in values:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument {name!r}")
            values[name] = value
        if len(values) < len(fields):
            for name in fields:
                if name in values:
                    continue
                if name in self._defaults:
                    values[name] = self._defaults[name]
                elif name in self._factories:
                    values[name] = self._factories[name]()
                else:
                    raise TypeError(f"{type(self).__name__}() missing required argument {name!r}")
        object.__setattr__(self, "__dict__", values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self.__dict__ == other.__dict__
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.__class__, *(self.__dict__[name] for name in self._fields)))

    def __repr__(self) -> str:
        values = self.__dict__
        return f"{type(self).__qualname__}({', '.join(f'{n}={values[n]!r}' for n in self._fields)})"
