"""What the first call of every CPU kernel costs in a new process: compiled, or loaded from Numba's cache.

    python benchmarks/compile_cost.py

Numba compiles a kernel the first time it runs for a new argument type. With
``cache=True`` the machine code goes to a cache directory, and the next
process loads it instead of compiling again, so the compile cost is paid once
per machine, not once per process. This script runs the same first calls in
two fresh processes sharing an empty cache directory and prints both times,
with how many kernels each process compiled (cache misses) and loaded (hits).
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FIRST_CALLS = """
import json, time
start = time.perf_counter()
import numpy, numba
from tinygen import kernels
from tinygen.kernels import conv, lstm, pooling, special
imported = time.perf_counter()
x = numpy.ones((2, 3, 8, 8), numpy.float32)
geometry = kernels.ConvGeometry.of(x.shape, (3, 3), padding=1)
kernels.col2im(kernels.im2col(x, geometry), x.shape, geometry)
window = kernels.PoolGeometry.of(x.shape, 2)
out, argmax = kernels.max_pool2d(x, window)
kernels.max_pool2d_backward(out, argmax, x.shape, window)
kernels.avg_pool2d_backward(kernels.avg_pool2d(x, window), x.shape, window)
preact, c = numpy.ones((2, 16), numpy.float32), numpy.ones((2, 4), numpy.float32)
h, c_next, saved = kernels.lstm_gates_forward(preact, c)
kernels.lstm_gates_backward(h, c_next, saved, c)
kernels.erf(x)
done = time.perf_counter()
stats = [f.stats for module in (conv, pooling, lstm, special) for f in vars(module).values()
         if isinstance(f, numba.core.registry.CPUDispatcher)]
print(json.dumps({"import_s": imported - start, "first_calls_s": done - imported,
                  "compiled": sum(sum(s.cache_misses.values()) for s in stats),
                  "loaded": sum(sum(s.cache_hits.values()) for s in stats), "kernels": len(stats)}))
"""


def first_calls(cache_dir):
    """Run every CPU kernel once (float32) in a fresh process using ``cache_dir``; -> its measurements."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", FIRST_CALLS], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main():
    with tempfile.TemporaryDirectory() as cache_dir:
        for label in ("first process, empty cache", "second process, same cache"):
            r = first_calls(cache_dir)
            print(f"{label}: first calls {r['first_calls_s']:.2f} s (import {r['import_s']:.2f} s); "
                  f"{r['compiled']} compiled, {r['loaded']} loaded from the cache, {r['kernels']} kernels")  # fmt: skip


if __name__ == "__main__":
    main()
