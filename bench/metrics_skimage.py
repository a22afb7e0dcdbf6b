#!/usr/bin/python3
"""Baseline for bench/metrics.ts: scikit-image's SSIM on the same 256x256 RGB pairs, one thread.

structural_similarity(pred, target, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
channel_axis=2, data_range=255) -- the Gaussian-weighted settings of Wang et al. (2004), as skimage documents --
called round-robin over the pairs for the given number of seconds after a warm-up.
Prints one JSON line: {"pairs_per_cpu_second", "pairs_per_wall_second", "pairs", "values"}.

Usage: OMP_NUM_THREADS=1 /usr/bin/python3 bench/metrics_skimage.py SECONDS PRED1 TARGET1 [PRED2 TARGET2 ...]
"""
import json
import os
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import cv2  # noqa: E402
from skimage.metrics import structural_similarity  # noqa: E402

cv2.setNumThreads(1)


def load(path):
    return cv2.imread(path, cv2.IMREAD_COLOR)[:, :, ::-1].copy()


def ssim(pred, target):
    return structural_similarity(pred, target, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                 channel_axis=2, data_range=255)


def main():
    seconds = float(sys.argv[1])
    paths = sys.argv[2:]
    pairs = [(load(paths[i]), load(paths[i + 1])) for i in range(0, len(paths), 2)]
    values = [float(ssim(p, t)) for p, t in pairs]
    warm_end = time.perf_counter() + 0.3
    while time.perf_counter() < warm_end:
        ssim(*pairs[0])
    n = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while time.perf_counter() - wall0 < seconds:
        ssim(*pairs[n % len(pairs)])
        n += 1
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print(json.dumps({"pairs_per_cpu_second": n / cpu, "pairs_per_wall_second": n / wall, "pairs": n, "values": values}))


if __name__ == "__main__":
    main()
