#!/usr/bin/env python3
"""PyTorch's CPU training step for the same generator, the baseline bench/train-step.ts spawns on CPU backends.

    /usr/bin/python3 bench/pytorch_cpu_step.py [--size 64] [--batch 1] [--cnum 32] [--threads 2] [--steps 3] [--warmup 2]

The net is bgfill's reference InpaintSANet (packages/trainer/test/fixtures/parity/reference_model.py) and the step
is bench/pytorch_gpu.py's (both imported from there), in training mode on random data (30 % holes): forward of both
stages, L1 on the coarse and refined outputs, backward, Adam (lr 1e-4, betas 0.5/0.999) -- bgfill's "bare"
generator step plus its optimizer. Prints one JSON line: {"images_per_second": wall-clock rate,
"cpu_seconds_per_step": process CPU time (user + system, all threads), "threads": N, "torch": version}.
"""
import argparse
import json
import time

import torch

from pytorch_gpu import InpaintSANet, l1_adam_step  # this script's folder is on sys.path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--cnum', type=int, default=32)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = InpaintSANet(cnum=args.cnum).train()
    imgs = torch.rand(args.batch, 3, args.size, args.size) * 2 - 1
    masks = (torch.rand(args.batch, 1, args.size, args.size) > 0.7).float()
    step = l1_adam_step(net, imgs, masks)
    for _ in range(args.warmup):
        step()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        step()
    wall, cpu = (time.perf_counter() - wall) / args.steps, (time.process_time() - cpu) / args.steps
    print(json.dumps({'images_per_second': args.batch / wall, 'cpu_seconds_per_step': cpu, 'threads': torch.get_num_threads(), 'torch': torch.__version__}), flush=True)


if __name__ == '__main__':
    main()
