#!/bin/bash
# The fused WebGPU training path (bgfill train --kernels fused) against the stock one and PyTorch, in one go, on a
# machine with an NVIDIA GPU, Vulkan and PyTorch but no Node.js:
#   ../shared/tools/gpu-bundle.sh bench/gpu-fused.ts .gpu-fused     (here: packs bench/gpu-fused.ts, node and Dawn)
#   bash bench/gpu-fused-run.sh [OUT] [-- extra bench/gpu-fused.ts arguments]   (there)
# bench/gpu-run.sh with the other pack: PyTorch's training figures for the same net on the same GPU first, then
# bench/gpu-fused.ts, which checks the fused gradients against the stock ones on the GPU before it times anything.
GPU_PACK=.gpu-fused exec bash "$(dirname "$0")/gpu-run.sh" "$@"
