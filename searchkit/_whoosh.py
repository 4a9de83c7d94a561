"""Importing Whoosh without the two standard-library packages it never uses here.

Every `searchkit query` imports Whoosh, and Whoosh's imports pulled in two packages
that no part of a query uses, a fifth of the command's start:

- `whoosh.compat` does `from urllib.request import urlretrieve`, for a function no
  part of Whoosh calls; `urllib.request` brings in the email and http packages.
- `cached_property` (which `whoosh.reading` uses for one property of a segment)
  imports `asyncio`, with ssl and sockets, to tell whether a property's function is
  a coroutine.

While those two modules are imported, `urllib.request` and `asyncio` are stand-ins,
removed from `sys.modules` right after, so that any later import gets the real
module. What the stand-ins were asked for forwards to the real module, imported at
that moment; `asyncio.iscoroutinefunction` is answered by `inspect` as long as asyncio
is not loaded (no function can carry asyncio's own coroutine marker before it is).
Nothing is done for a module that is already imported.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import types
from collections.abc import Callable


class _StandIn(types.ModuleType):
    """A module that is imported for real when an attribute it does not have is used."""

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):  # what the import system asks of a module
            raise AttributeError(name)
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def _urlretrieve(*args: object, **kwargs: object) -> object:
    return importlib.import_module("urllib.request").urlretrieve(*args, **kwargs)


def _iscoroutinefunction(func: Callable[..., object]) -> bool:
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None and not isinstance(asyncio, _StandIn):
        return asyncio.iscoroutinefunction(func)
    return inspect.iscoroutinefunction(func)


def _import_with_stand_in(module: str, stand_in_name: str, **attributes: object) -> None:
    if module in sys.modules or stand_in_name in sys.modules:
        return
    stand_in = _StandIn(stand_in_name)
    for name, value in attributes.items():
        setattr(stand_in, name, value)
    sys.modules[stand_in_name] = stand_in
    try:
        importlib.import_module(module)
    finally:
        if sys.modules.get(stand_in_name) is stand_in:
            del sys.modules[stand_in_name]


def import_whoosh() -> None:
    """Import the modules of Whoosh that import `urllib.request` and `asyncio`, with
    stand-ins for those."""
    _import_with_stand_in("whoosh.compat", "urllib.request", urlretrieve=_urlretrieve)
    _import_with_stand_in("cached_property", "asyncio", iscoroutinefunction=_iscoroutinefunction)
