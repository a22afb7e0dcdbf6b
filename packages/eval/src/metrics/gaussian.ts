/**
 * The 1-D Gaussian window SSIM filters with: `size` taps at offsets (1 − size)/2 … (size − 1)/2, weights
 * exp(−d² / 2σ²) divided by their sum (so the window sums to 1). The 2-D window is the outer product of two of these,
 * which is how torchmetrics builds it (`_gaussian` / `_gaussian_kernel_2d` in `functional/image/utils.py`); filtering
 * with it is therefore exactly separable.
 * @example gaussianWindow(3, 1) // Float64Array [0.2741, 0.4519, 0.2741] (rounded)
 */
export function gaussianWindow(size: number, sigma: number): Float64Array {
  const w = new Float64Array(size);
  const half = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const d = (i - half) / sigma;
    w[i] = Math.exp(-(d * d) / 2);
    sum += w[i];
  }
  for (let i = 0; i < size; i++) w[i] /= sum;
  return w;
}
