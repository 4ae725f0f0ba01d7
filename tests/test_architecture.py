"""The import stack holds: each layer imports only the layers below it (the contracts in setup.cfg)."""
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run_python(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_contracts_hold():
    """import-linter checks every import in tinygen against the layers and forbidden imports of setup.cfg."""
    cli = pytest.importorskip("importlinter.cli")
    assert cli.lint_imports(config_filename=str(ROOT / "setup.cfg"), no_cache=True) == 0, "see the report above"


def test_import_tinygen_leaves_out_the_training_toolkit():
    loaded = run_python("import sys, tinygen; print(sorted(m for m in sys.modules if m.split('.')[0] in "
                        "('tqdm', 'matplotlib') or m.startswith(('tinygen.train', 'tinygen.models', 'tinygen.data'))))")  # fmt: skip
    assert loaded == "[]"


def test_reading_data_runs_no_kernel():
    """Loading MNIST and drawing batches compiles (or loads from Numba's cache) none of the kernels."""
    compiled = run_python(
        "import tinygen.kernels as k, pkgutil, importlib\n"
        "from tinygen.data import DataLoader, mnist\n"
        "data = mnist(binarize='dynamic')\n"
        "for x, y in DataLoader(data.train, 64, shuffle=True, seed=0): break\n"
        "modules = [importlib.import_module(f'tinygen.kernels.{m.name}') for m in pkgutil.iter_modules(k.__path__)]\n"
        "kernels = [f for m in modules for f in vars(m).values() if hasattr(f, 'signatures')]\n"
        "assert kernels, 'no Numba dispatchers found: has the kernels package moved?'\n"
        "print([f.__name__ for f in kernels if f.signatures])"
    )
    assert compiled == "[]"
