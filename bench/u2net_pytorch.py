#!/usr/bin/python3
"""PyTorch's speed for U^2-Net on this machine's CPU, the baseline of bench/segment.ts (which spawns this script).

    /usr/bin/python3 bench/u2net_pytorch.py [--variant U2NET|U2NETP] [--size 320] [--rounds 3] [--threads 2]

The net is bgfill's reference U^2-Net (packages/trainer/test/fixtures/u2net/u2net_reference.py: written from the
paper and the authors' published layer list; make_fixture.py checks it reproduces their outputs), with PyTorch's
default initialisation, in eval mode under no_grad, float32, batch 1, as the authors' u2net_test.py runs it (their
script also computes the six side outputs it does not save). One warm-up, then the best of --rounds. Prints one JSON
line: images per wall-second and process CPU seconds (user + system, all threads) per image.
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'packages', 'trainer', 'test', 'fixtures', 'u2net'))
from u2net_reference import U2Net  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--variant', default='U2NET')
    parser.add_argument('--size', type=int, default=320)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = U2Net(args.variant).eval()
    x = torch.rand(1, 3, args.size, args.size) * 4 - 2
    best = None
    with torch.no_grad():
        net(x)
        for _ in range(args.rounds):
            cpu0, wall0 = time.process_time(), time.perf_counter()
            net(x)
            timing = (time.perf_counter() - wall0, time.process_time() - cpu0)
            best = timing if best is None or timing[0] < best[0] else best
    print(json.dumps({'variant': args.variant, 'size': args.size, 'threads': args.threads, 'torch': torch.__version__,
                      'images_per_second': 1 / best[0], 'cpu_seconds_per_image': best[1]}))


if __name__ == '__main__':
    main()
