"""kam.typenames: typing's NamedTuple and TypedDict without importing typing, held to
typing's behaviour (the daily commands' settings, rows and items are these)."""

from __future__ import annotations

import pickle
import typing

import pytest

from kam import typenames


def _pair(base: typing.Any) -> type:
    class Pair(base):  # type: ignore[misc,valid-type]
        """A pair."""

        left: int
        right: str = "r"
        tags: tuple[str, ...] = ()

        def both(self) -> str:
            return f"{self.left}{self.right}"

    return Pair


@pytest.mark.parametrize("base", [typing.NamedTuple, typenames.NamedTuple])
def test_named_tuples_behave_as_typings(base: typing.Any) -> None:
    Pair = _pair(base)
    p = Pair(1)
    assert p == (1, "r", ()) and p.both() == "1r" and Pair.__doc__ == "A pair."
    assert p._replace(right="x") == Pair(1, "x") and p._asdict() == {"left": 1, "right": "r",
                                                                     "tags": ()}
    assert Pair._fields == ("left", "right", "tags") and Pair._field_defaults == {
        "right": "r", "tags": ()}
    assert Pair._make([2, "y", ("a",)]).tags == ("a",)
    assert list(Pair.__annotations__) == ["left", "right", "tags"]
    assert Pair.__name__ == "Pair" and Pair.__module__ == __name__
    with pytest.raises(TypeError):
        Pair()
    with pytest.raises(AttributeError):
        p.left = 3  # type: ignore[misc]


def test_the_kept_settings_pickle_and_come_back_equal() -> None:
    from kam.config import build
    from kam.settings import Settings  # made with kam.typenames.NamedTuple

    s = build({})
    assert type(s) is Settings and s.tiers and type(s.tiers[0]).__module__ == "kam.settings"
    assert pickle.loads(pickle.dumps(s)) == s and type(pickle.loads(pickle.dumps(s))) is Settings


def test_typed_dicts_make_plain_dicts() -> None:
    class Stats(typenames.TypedDict, total=False):
        n: int

    assert type(Stats()) is dict and Stats(n=1) == {"n": 1} and type(Stats(n=1)) is dict


def test_a_named_tuple_cannot_redefine_its_machinery() -> None:
    with pytest.raises(AttributeError):
        class Bad(typenames.NamedTuple):  # type: ignore[misc]
            x: int

            def _replace(self) -> None:  # type: ignore[override]
                pass
