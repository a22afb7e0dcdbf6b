/**
 * Float64 planes from the caller's images, and MS-SSIM's 2×2 average pooling between scales.
 */

/**
 * dst[i] = channel `c` of pixel i of an interleaved image of `channels` channels, `length` values of type T (u8,
 * f32 or f64) at `values`, as a float64, for every i in dst.
 */
export function channelOf<T>(values: usize, length: i32, channels: i32, c: i32, dst: StaticArray<f64>): void {
  assert(dst.length * channels <= length, 'channel read out of bounds');
  for (let i = 0, k = c; i < dst.length; i++, k += channels) dst[i] = <f64>load<T>(values + (<usize>k << alignof<T>()));
}

/**
 * Halve a `width` × `height` plane by 2×2 averaging into `dst` (⌊width / 2⌋ × ⌊height / 2⌋), dropping an odd last
 * row or column: PyTorch's `avg_pool2d(x, (2, 2))`, with the four values added in reading order.
 */
export function downsample(src: StaticArray<f64>, width: i32, height: i32, dst: StaticArray<f64>): void {
  const w = width >> 1;
  const h = height >> 1;
  for (let i = 0; i < h; i++) {
    const r0 = 2 * i * width;
    const r1 = r0 + width;
    const o = i * w;
    for (let j = 0; j < w; j++) {
      const c = 2 * j;
      dst[o + j] = (src[r0 + c] + src[r0 + c + 1] + src[r1 + c] + src[r1 + c + 1]) / 4;
    }
  }
}
