#!/bin/bash
# The fused WebGPU training path (bgfill train --kernels fused) against the stock one and PyTorch, in one go, on a
# machine with an NVIDIA GPU, Vulkan and PyTorch but no Node.js:
#   ../shared/tools/gpu-bundle.sh bench/gpu-fused.ts .gpu-fused     (here: packs bench/gpu-fused.ts, node and Dawn)
#   bash bench/gpu-fused-run.sh [OUT] [-- extra bench/gpu-fused.ts arguments]   (there)
# PyTorch's float32 training figures for the same net on the same GPU come first and become the ratios' baseline;
# bench/gpu-fused.ts then checks the fused gradients against the stock ones on the GPU before it times anything.
set -uo pipefail
out=${1:-${OUT:-gpu-out}}; shift || true
[ "${1:-}" = "--" ] && shift
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
PYTHONUNBUFFERED=1 timeout 180 python3 bench/pytorch_gpu.py --batches 8,32 2>&1 | tee "$out/pytorch.jsonl"
rate() { grep "\"what\": \"train\", \"batch\": $1," "$out/pytorch.jsonl" | sed 's/.*"images_per_second": \([0-9.]*\).*/\1/'; }
timeout 420 bash .gpu-fused/run.sh --out "$out" --torch-train8 "$(rate 8)" --torch-train32 "$(rate 32)" "$@" 2>&1 | tee "$out/gpu-fused.log"
