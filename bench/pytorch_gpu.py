#!/usr/bin/env python3
"""PyTorch's speed for the same generator on the same GPU, as the baseline of bench/gpu.ts (run by bench/gpu-run.sh).

    python3 bench/pytorch_gpu.py [--batches 8,32] [--inference-only]

The net is bgfill's reference InpaintSANet (packages/trainer/test/fixtures/parity/reference_model.py: the public
layout and state_dict names), cnum 32, 256x256, random data, float32 with TF32 off (as gpu-baseline.md's fp32 row).
A training step: forward of both stages, L1 on the coarse and refined outputs, backward, Adam. Prints one JSON line
per measurement: {"what": "inference"|"train", "batch": N, "images_per_second": R, "device": ...}.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'packages', 'trainer', 'test', 'fixtures', 'parity'))
from reference_model import InpaintSANet  # noqa: E402


def l1_adam_step(net, imgs, masks):
    """The training step both PyTorch benches time: forward of both stages, L1 on each, backward, Adam (lr 1e-4,
    betas 0.5/0.999, as bgfill's defaults). Returns a function that runs one step."""
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-4, betas=(0.5, 0.999))

    def step():
        optimizer.zero_grad(set_to_none=True)
        coarse, refined, _ = net(imgs, masks)
        loss = (coarse - imgs).abs().mean() + (refined - imgs).abs().mean()
        loss.backward()
        optimizer.step()

    return step


def timed(fn, reps):
    fn()
    fn()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / reps


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--batches', default='8,32')
    parser.add_argument('--inference-only', action='store_true')
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    device = torch.device('cuda')
    name = torch.cuda.get_device_name(0)
    torch.manual_seed(0)
    net = InpaintSANet(cnum=32).to(device)
    for n in [int(b) for b in args.batches.split(',')]:
        imgs = torch.rand(n, 3, 256, 256, device=device) * 2 - 1
        masks = (torch.rand(n, 1, 256, 256, device=device) > 0.7).float()
        net.eval()
        with torch.no_grad():
            seconds = timed(lambda: net(imgs, masks), 10)
        print(json.dumps({'what': 'inference', 'batch': n, 'images_per_second': n / seconds, 'device': name, 'torch': torch.__version__}), flush=True)
        if args.inference_only:
            continue
        net.train()
        seconds = timed(l1_adam_step(net, imgs, masks), 5)
        print(json.dumps({'what': 'train', 'batch': n, 'images_per_second': n / seconds, 'device': name, 'torch': torch.__version__}), flush=True)


if __name__ == '__main__':
    main()
