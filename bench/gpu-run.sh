#!/bin/bash
# The GPU bench in one go, on a machine with an NVIDIA GPU, Vulkan and PyTorch but no Node.js:
#   ../shared/tools/gpu-bundle.sh bench/gpu.ts      (here: packs bench/gpu.ts, node and Dawn into .gpu/)
#   bash bench/gpu-run.sh [OUT] [-- extra bench/gpu.ts arguments]   (there)
# PyTorch's float32 figures for the same net on the same GPU come first and become the ratios' baseline.
# GPU_PACK names another packed bench (bench/gpu-fused-run.sh sets .gpu-fused).
set -uo pipefail
out=${1:-${OUT:-gpu-out}}; shift || true
[ "${1:-}" = "--" ] && shift
pack=${GPU_PACK:-.gpu}
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
PYTHONUNBUFFERED=1 timeout 180 python3 bench/pytorch_gpu.py --batches 8,32 2>&1 | tee "$out/pytorch.jsonl"
rate() { grep "\"what\": \"$1\", \"batch\": $2," "$out/pytorch.jsonl" | sed 's/.*"images_per_second": \([0-9.]*\).*/\1/'; }
timeout 420 bash "$pack/run.sh" --out "$out" --torch-infer8 "$(rate inference 8)" --torch-train8 "$(rate train 8)" --torch-train32 "$(rate train 32)" "$@" 2>&1 | tee "$out/${pack#.}-bench.log"
