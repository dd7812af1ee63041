"""xarray for tvaer's labelled arrays, without importing dask.array before anyone uses dask arrays.

xarray (2026.9) asks of almost every array it makes or computes (``as_compatible_data``) whether
it is a dask array, and its ``array_type("dask")`` imports ``dask.array`` to answer the first
time: with dask installed (tvaer needs it for ``client=``) the first labelled operation of a
process pays for dask.array and the scipy.fft and scipy.sparse it imports, about half a second
on a quiet machine (docs/performance.md, "The first labelled array"). No object can be a dask
array before ``dask.array`` is imported, so until then the answer is "no" without importing it.

:func:`xarray` imports xarray and, the first time, puts into xarray's cache of duck-array modules
an entry for dask whose array type is dask.array's ``Array`` once ``dask.array`` has been imported
(by the user, by dask.distributed, or by xarray's own ``chunk()``, which imports it itself) and
none before; anything else asked of the entry (module, version) imports dask as xarray would.
Nothing is changed if xarray has already looked dask up in this process or if its cache is not
the one described here (another xarray version): then xarray imports dask.array as before.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

__all__ = ["xarray"]


def xarray() -> Any:
    """The xarray module, with dask.array imported only once dask arrays can exist."""
    import xarray as xr

    _defer_dask_array()
    return xr


@functools.cache
def _defer_dask_array() -> bool:
    """Registers the deferred dask entry once; returns whether it did."""
    try:
        from xarray.namedarray import pycompat

        cache, base = pycompat._cached_duck_array_modules, pycompat.DuckArrayModule
    except (ImportError, AttributeError):
        return False
    if not isinstance(cache, dict) or "dask" in cache or not isinstance(base, type):
        return False

    class DaskWhenImported(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:  # imports nothing
            pass

        @property
        def type(self) -> tuple[type, ...]:
            array = getattr(sys.modules.get("dask.array"), "Array", None)
            return (array,) if isinstance(array, type) else ()

        @functools.cached_property
        def _imported(self) -> Any:
            return base("dask")

        module = property(lambda self: self._imported.module)
        version = property(lambda self: self._imported.version)
        available = property(lambda self: self._imported.available)

    cache["dask"] = DaskWhenImported()
    return True
