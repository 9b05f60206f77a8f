"""typing's names for kam's modules without importing typing when kam runs: its import
is 8 ms, an eighth of a short command at 1,000 customers (`kam due` starts ~60 ms).

Type checkers see typing's own names. At run time the annotations are never
evaluated (`from __future__ import annotations` everywhere), so Any is `object`, a
Protocol is a plain base class, overload and TypeVar do nothing; NamedTuple and
TypedDict work as typing's do: a named tuple class made by collections.namedtuple
from the annotated fields and their defaults (with the class's methods and
docstring), and a dictionary type whose instances are plain dicts. A test holds
them to typing's behaviour.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any as Any
    from typing import NamedTuple as NamedTuple
    from typing import Protocol as Protocol
    from typing import TextIO as TextIO
    from typing import TypedDict as TypedDict
    from typing import TypeVar as TypeVar
    from typing import overload as overload
else:
    Any = object
    TextIO = object

    class Protocol:
        __slots__ = ()

    def overload(function):
        return function

    def TypeVar(name, *constraints, **options):  # noqa: N802 - typing's name
        return name

    class TypedDict(dict):
        """Instances are plain dicts, as typing's TypedDict makes them."""

        def __init_subclass__(cls, total=True, **options):
            super().__init_subclass__(**options)

        def __new__(cls, *args, **kwargs):
            return dict(*args, **kwargs)

    _RESERVED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__", "_fields",
                           "_field_defaults", "_make", "_replace", "_asdict", "_source"})
    _KEPT = frozenset({"__module__", "__name__", "__annotations__"})

    class _NamedTupleMeta(type):
        def __new__(cls, typename, bases, namespace):
            from collections import namedtuple

            fields = list(namespace.get("__annotations__", {}))
            defaults = [namespace[f] for f in fields if f in namespace]
            made = namedtuple(typename, fields, defaults=defaults,
                              module=namespace["__module__"])
            made.__annotations__ = dict(namespace.get("__annotations__", {}))
            for key, value in namespace.items():
                if key in _RESERVED:
                    raise AttributeError(f"cannot overwrite NamedTuple attribute {key}")
                if key not in _KEPT and key not in made._fields:
                    setattr(made, key, value)
            return made

    # `class X(NamedTuple)` runs _NamedTupleMeta.__new__, which makes the named tuple
    # (the only form kam uses; typing's functional form is not given)
    NamedTuple = type.__new__(_NamedTupleMeta, "NamedTuple", (), {})
