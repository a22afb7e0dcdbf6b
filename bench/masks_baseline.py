#!/usr/bin/env python3
"""Baseline for bench/masks.ts: the study's mask recipe in NumPy + OpenCV, one core.

Per 256x256 mask: the person box (z0, z1 ~ N(0,1); H = int(clip(|z0|/3*128, 0, 128)), W likewise; hole rows
H..255-H, columns 128-W..128+W-1), OR-ed with 0-3 DeepFill-v2-style free-form strokes (4-12 vertices, mean turn 2pi/5
+- U(0, 2pi/15) alternating sign, step length 10-64 px, brush width 8-24 px) drawn with cv2.line and cv2.circle.
Usage: OMP_NUM_THREADS=1 /usr/bin/python3 bench/masks_baseline.py [seconds] [what]   (prints one JSON line)
       /usr/bin/python3 bench/masks_baseline.py --serve   (answers "<what> <seconds>" lines; used by bench/masks.ts)
what = recipe (default) or dilate (cv2.dilate, 3x3 rect, 3 iterations, on recipe masks).
"""
import json
import math
import os
import sys
import time

for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(var, '1')

import cv2  # noqa: E402
import numpy as np  # noqa: E402

cv2.setNumThreads(1)
SIDE = 256


def person_box(rng, mask):
    z0, z1 = rng.normal(size=2)
    h = int(np.clip(abs(z0) / 3 * (SIDE // 2), 0, SIDE // 2))
    w = int(np.clip(abs(z1) / 3 * (SIDE // 2), 0, SIDE // 2))
    mask[h:SIDE - h, SIDE // 2 - w:SIDE // 2 + w] = 1


def strokes(rng, mask):
    mean_angle = 2 * math.pi / 5
    angle_range = 2 * math.pi / 15
    for _ in range(rng.integers(0, 4)):
        vertices = rng.integers(4, 13)
        width = int(rng.uniform(8, 24))
        lo = mean_angle - rng.uniform(0, angle_range)
        hi = mean_angle + rng.uniform(0, angle_range)
        x, y = int(rng.integers(0, SIDE)), int(rng.integers(0, SIDE))
        for i in range(vertices):
            angle = rng.uniform(lo, hi)
            if i % 2 == 0:
                angle = 2 * math.pi - angle
            length = rng.uniform(10, 64)
            nx = int(np.clip(x + length * math.cos(angle), 0, SIDE - 1))
            ny = int(np.clip(y + length * math.sin(angle), 0, SIDE - 1))
            cv2.line(mask, (x, y), (nx, ny), 1, width)
            cv2.circle(mask, (nx, ny), width // 2, 1, -1)
            x, y = nx, ny


def recipe(rng):
    mask = np.zeros((SIDE, SIDE), np.uint8)
    person_box(rng, mask)
    strokes(rng, mask)
    return mask


def measure(what, seconds, rng, masks, kernel):
    """Run `what` for `seconds` of wall time; return (count, cpu seconds, wall seconds)."""
    n = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    while True:
        if what == 'recipe':
            recipe(rng)
        else:
            cv2.dilate(masks[n % len(masks)], kernel, iterations=3)
        n += 1
        if time.perf_counter() - wall0 >= seconds:
            break
    return n, time.process_time() - cpu0, time.perf_counter() - wall0


def main():
    rng = np.random.default_rng(0)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
    masks = [recipe(rng) for _ in range(64)]
    measure('recipe', 0.3, rng, masks, kernel)
    measure('dilate', 0.1, rng, masks, kernel)
    if len(sys.argv) > 1 and sys.argv[1] == '--serve':
        # One request per stdin line, "<what> <seconds>"; one JSON answer per line (used by bench/masks.ts to
        # interleave short rounds with its own, so both sides see the same machine load).
        for line in sys.stdin:
            what, seconds = line.split()
            n, cpu, wall = measure(what, float(seconds), rng, masks, kernel)
            print(json.dumps({'what': what, 'masks': n, 'cpu_seconds': cpu, 'wall_seconds': wall}), flush=True)
        return
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    what = sys.argv[2] if len(sys.argv) > 2 else 'recipe'
    n, cpu, wall = measure(what, seconds, rng, masks, kernel)
    print(json.dumps({'what': what, 'masks_per_cpu_second': n / cpu, 'masks_per_second': n / wall, 'masks': n}))


if __name__ == '__main__':
    main()
