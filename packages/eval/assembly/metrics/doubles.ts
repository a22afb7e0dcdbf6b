/**
 * Two-lane access to float64 arrays for the SIMD loops: `pair(a, i)` is a[i], a[i + 1] as one f64x2. Each access is
 * checked against the array's length in the bounds-checked build (an `assert`, which the release build's `noAssert`
 * drops, with the length's read: `ASC_NO_ASSERT`); single elements are read as `a[i]`, which that build checks itself.
 */

/** a[i], a[i + 1]. */
@inline export function pair(a: StaticArray<f64>, i: i32): v128 {
  if (!ASC_NO_ASSERT) assert(i >= 0 && i + 2 <= a.length, 'f64x2 read out of bounds');
  return v128.load(changetype<usize>(a) + (<usize>i << 3));
}

/** a[i], a[i + 1] = the lanes of v. */
@inline export function setPair(a: StaticArray<f64>, i: i32, v: v128): void {
  if (!ASC_NO_ASSERT) assert(i >= 0 && i + 2 <= a.length, 'f64x2 write out of bounds');
  v128.store(changetype<usize>(a) + (<usize>i << 3), v);
}

/** Both lanes v. */
@inline export function both(v: f64): v128 {
  return f64x2.splat(v);
}
