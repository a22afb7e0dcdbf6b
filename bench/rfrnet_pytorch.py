#!/usr/bin/python3
"""PyTorch baseline for bench/rfrnet-inference.ts: RFR-Net at full width (64, 6 recurrences), eval mode, float32,
batch 1, on the CPU, with the authors' design as packages/trainer/test/fixtures/rfrnet/rfrnet_reference.py writes it
(checked there against the authors' own float64 output: 1e-14). Random weights (the speed does not depend on them).

Prints one JSON line: {"wall_per_image", "cpu_per_image", "rounds", "threads", "torch"}: the best of --rounds
forwards after one warm-up, by wall clock, and that forward's process CPU time (user + system, all threads).

Usage: OMP_NUM_THREADS=1 /usr/bin/python3 bench/rfrnet_pytorch.py [--size 256] [--threads 1] [--rounds 2]
(bench/rfrnet-inference.ts sets OMP_NUM_THREADS to --threads: torch.set_num_threads alone leaves oneDNN's OpenMP pool
at the core count.)
"""
import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '../packages/trainer/test/fixtures/rfrnet'))
from rfrnet_reference import RFRNet  # noqa: E402


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--rounds', type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = RFRNet().eval()
    n = args.size
    yy, xx = torch.meshgrid(torch.arange(n), torch.arange(n), indexing='ij')
    image = (torch.stack([torch.sin(xx * 0.05), torch.cos(yy * 0.07), torch.sin((xx + yy) * 0.03)]) * 0.5 + 0.5).unsqueeze(0)
    known = (torch.cos(xx * 0.11 + torch.sin(yy * 0.007)) <= 0.4).float().reshape(1, 1, n, n).repeat(1, 3, 1, 1)
    best = None
    with torch.no_grad():
        net(image * known, known)  # warm-up
        for _ in range(args.rounds):
            c0, t0 = cpu_seconds(), time.perf_counter()
            net(image * known, known)
            wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
            if best is None or wall < best[0]:
                best = (wall, cpu)
    print(json.dumps({'wall_per_image': best[0], 'cpu_per_image': best[1], 'rounds': args.rounds, 'threads': args.threads, 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
