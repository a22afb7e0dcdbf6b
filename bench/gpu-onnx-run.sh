#!/bin/bash
# onnxruntime's GPU (WebGPU) and CPU providers on the exported generator, next to PyTorch's float32 inference on the
# same GPU. Here: bash bench/gpu-onnx-pack.sh; there: bash bench/gpu-onnx-run.sh [OUT].
set -uo pipefail
out=${1:-${OUT:-gpu-out}}
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
PYTHONUNBUFFERED=1 timeout 120 python3 bench/pytorch_gpu.py --batches 8,32 --inference-only 2>&1 | tee "$out/pytorch-inference.jsonl"
rate=$(grep '"batch": 8,' "$out/pytorch-inference.jsonl" | sed 's/.*"images_per_second": \([0-9.]*\).*/\1/')
timeout 300 bash .gpu-ort/run.sh --out "$out" --torch-infer8 "$rate" 2>&1 | tee "$out/gpu-onnx.log"
