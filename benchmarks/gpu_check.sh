#!/usr/bin/env bash
# Every GPU check in one go, for the first machine with an NVIDIA GPU that tinygen meets.
#
#   pip install -e ".[gpu,test,bench]"   # CuPy for the machine's CUDA, and PyTorch with CUDA for the ratios
#   bash benchmarks/gpu_check.sh [RESULTS_DIR]
#
# About ten minutes on one GPU: the tests marked gpu (CuPy kernels against NumPy, the CUDA twins of the Numba
# kernels, a VAE step), the ops and models suites on --device gpu against PyTorch on the same GPU (one round:
# the budget is a first look, not a study), and the flagship example on the GPU with its defaults. Everything it
# prints goes to RESULTS_DIR (default benchmarks/results) as gpu-check-DATE.log beside run.py's gpu-DATE.md/.json.
set -uo pipefail
cd "$(dirname "$0")/.."
results=${1:-benchmarks/results}
mkdir -p "$results"
log="$results/gpu-check-$(date +%F).log"
status=0
step() {  # step NAME SECONDS COMMAND...: run one check under a time limit, log it, remember a failure
    local name=$1 seconds=$2
    shift 2
    echo "== $name ($(date +%T))" | tee -a "$log"
    timeout "$seconds" "$@" 2>&1 | tee -a "$log"
    local code=${PIPESTATUS[0]}
    echo "== $name: exit $code" | tee -a "$log"
    [ "$code" -eq 0 ] || status=1
}

step "the machine" 30 bash -c 'nvidia-smi; python -c "import cupy, tinygen; print(cupy.__version__, tinygen.gpu_available())"'
python -c "import tinygen, sys; sys.exit(0 if tinygen.gpu_available() else 1)" || {
    echo "no usable GPU: tinygen.gpu_available() is False (see the lines above)" | tee -a "$log"
    exit 1
}
step "GPU tests" 180 python -m pytest tests -q -m gpu
step "ops and models suites, --device gpu" 300 python benchmarks/run.py --device gpu --suite all --rounds 1 --budget 1
step "vae_mnist on the GPU, defaults" 180 python examples/vae_mnist.py --device gpu --quiet --out "$results/gpu-vae_mnist"
echo "== done: $( [ $status -eq 0 ] && echo every check passed || echo some check failed ), log in $log" | tee -a "$log"
exit $status
