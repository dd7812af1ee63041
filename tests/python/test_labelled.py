"""tvaer.labelled: labelled arrays and operations on them import no dask.array until dask arrays
can exist, and xarray still recognises dask arrays once they can. Each test runs in a fresh
process, since what a process has imported is the behaviour under test."""

from __future__ import annotations

import subprocess
import sys

RUN = ("import sys, numpy as np, tvaer\n"
       "res = tvaer.simulate(tvaer.default_scenario().with_({'families': 20}), replications=3, seed=1, threads=1,"
       " progress=False)\n")


def _run(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.split("\n")


def test_labelled_arrays_and_operations_on_them_import_no_dask_array_nor_scipy():
    lines = _run(RUN + (
        "m = res.costs.sel(arm='solution').sum('kind').mean('replication')\n"
        "d = res.yearly_difference().sum('sector')\n"
        "q = res.flows['occupancy'].isel(replication=0) * 2\n"
        "print(float(m.sum()) > 0, d.dims, 'xarray' in sys.modules, 'dask.array' in sys.modules, 'scipy' in sys.modules)\n"))
    assert lines[0] == "True ('replication', 'year') True False False", lines


def test_dask_arrays_are_still_recognised_once_dask_array_is_imported():
    lines = _run(RUN + (
        "total = float(res.costs.sum())\n"  # the deferred entry is in xarray's cache from here on
        "import dask.array as da\n"
        "import xarray as xr\n"
        "x = xr.DataArray(da.ones((4, 3), chunks=2), dims=('a', 'b'))\n"
        "print(type((x + 1).data).__module__.split('.')[0], x.chunks)\n"
        # xarray's own dask checks: the Dataset repr and masked dask arrays (masked values -> NaN)
        "print('dask.array<chunksize=(2, 2)' in repr(xr.Dataset({'v': x})))\n"
        "print(xr.DataArray(da.ma.masked_equal(da.arange(4.0), 2.0)).values.tolist())\n"
        "c = res.costs.chunk({'replication': 1})\n"
        "print(type(c.data).__module__.split('.')[0], c.chunks[0], abs(float(c.sum()) - total) <= 1e-9 * abs(total))\n"))
    assert lines[0] == "dask ((2, 2), (2, 1))", lines
    assert lines[1:3] == ["True", "[0.0, 1.0, nan, 3.0]"], lines
    assert lines[3] == "dask (1, 1, 1) True", lines


def test_nothing_is_changed_when_xarray_has_already_looked_dask_up():
    lines = _run("import sys, numpy as np, xarray as xr\n"
                 "xr.DataArray(np.zeros(2)).sum()\n"  # xarray's own lookup: imports dask.array
                 "from xarray.namedarray import pycompat\n"
                 "before = pycompat._cached_duck_array_modules['dask']\n"
                 "from tvaer.labelled import xarray\n"
                 "xarray()\n"
                 "print(pycompat._cached_duck_array_modules['dask'] is before, 'dask.array' in sys.modules)\n")
    assert lines[0] == "True True", lines
