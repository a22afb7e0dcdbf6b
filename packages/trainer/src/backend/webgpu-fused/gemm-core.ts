/**
 * The tiled matrix-product core every fused convolution program shares, in the family tfjs-backend-webgpu's
 * `Conv2DMMProgram` uses for its vec4 path (`makeMatMulPackedVec4Source`): 8 × 8 threads, 4 × 4 results per thread
 * held as four vec4 accumulators along the output columns, 32 × 32 output tiles, 32-deep slices of the reduction
 * staged in workgroup memory.
 *
 * Nothing is materialised (implicit GEMM: the convolution's im2col matrix exists only as index arithmetic). A program
 * supplies, in WGSL:
 *
 *   struct Ctx; fn context(z : i32) -> Ctx            what grid slice z needs (a stride phase, a reduction slice)
 *   fn bounds(c : Ctx) -> vec4<i32>                   (rows, columns, reduction begin, reduction end)
 *   struct RowInfo; fn rowInfo(c : Ctx, m : i32) -> RowInfo    the divisions a row needs (pixel → b, y, x)
 *   struct KInfo; fn kInfo(c : Ctx, k : i32) -> KInfo          the divisions a reduction step needs (tap, channel)
 *   fn loadA(c : Ctx, r : RowInfo, q : KInfo) -> f32  A[m, k], no divisions
 *   fn loadB(c : Ctx, q : KInfo, k : i32, n : i32) -> f32
 *   fn store(c : Ctx, m : i32, n : i32, v : vec4<f32>)        the epilogue for results m, n…n+3
 *
 * The row information of a workgroup's 32 rows is computed once per workgroup, and the reduction-step information of
 * each 32-deep slice once per slice, by 32 threads into workgroup memory; the loads then only add and compare. Reads
 * outside the bounds are zero, so loaders only check what the operands themselves need.
 *
 * Large row counts spill past the 65 535 workgroups allowed per grid dimension into z: with `zCount` z-values,
 * wid.z = z + zCount · spill and the row tile is wid.y + spill · nwg.y.
 */

/** How a program's A operand is staged: threads along k (contiguous when k runs over channels) or along m. */
export type ALayout = 'k-fast' | 'm-fast';

export interface GemmProgramParts {
  /** The WGSL listed above. */
  functions: string;
  aLayout: ALayout;
  /** Uniform name holding the number of z slices (1 when the program does not use z). */
  zCount: string;
}

/** Rows per output tile, columns per output tile and reduction depth per step. */
export const TILE = 32;

/** WGSL of a program built on the core. */
export function gemmProgram(parts: GemmProgramParts): string {
  const loadA =
    parts.aLayout === 'k-fast'
      ? `
    let kk = t % 32;
    let q = KI[kk];
    for (var r = 0; r < 4; r++) {
      let mq = t / 32 + 2 * r;
      let mb = m0 + mq * 4;
      var v = vec4<f32>(0.0);
      if (k0 + kk < kEnd) {
        if (mb < rows) { v.x = loadA(ctx, RI[mq * 4], q); }
        if (mb + 1 < rows) { v.y = loadA(ctx, RI[mq * 4 + 1], q); }
        if (mb + 2 < rows) { v.z = loadA(ctx, RI[mq * 4 + 2], q); }
        if (mb + 3 < rows) { v.w = loadA(ctx, RI[mq * 4 + 3], q); }
      }
      As[kk * 8 + mq] = v;
    }`
      : `
    let ml = t % 32;
    let row = RI[ml];
    for (var r = 0; r < 16; r++) {
      let kk = t / 32 + 2 * r;
      var v = 0.0;
      if (m0 + ml < rows && k0 + kk < kEnd) { v = loadA(ctx, row, KI[kk]); }
      As[kk * 8 + ml / 4][ml % 4] = v;
    }`;
  return `
var<workgroup> As : array<vec4<f32>, 256>;
var<workgroup> Bs : array<vec4<f32>, 256>;

${parts.functions}

var<workgroup> RI : array<RowInfo, 32>;
var<workgroup> KI : array<KInfo, 32>;

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(local_invocation_id) lid : vec3<u32>, @builtin(workgroup_id) wid : vec3<u32>, @builtin(num_workgroups) nwg : vec3<u32>) {
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  let t = ty * 8 + tx;
  let zCount = u.${parts.zCount};
  let z = i32(wid.z) % zCount;
  let tileM = i32(wid.y) + (i32(wid.z) / zCount) * i32(nwg.y);
  let ctx = context(z);
  let b = bounds(ctx);
  let rows = b.x;
  let cols = b.y;
  let kBegin = b.z;
  let kEnd = b.w;
  let m0 = tileM * 32;
  let n0 = i32(wid.x) * 32;
  if (m0 >= rows) { return; }
  if (t < 32) { RI[t] = rowInfo(ctx, min(m0 + t, rows - 1)); }
  var acc : array<vec4<f32>, 4>;
  for (var k0 = kBegin; k0 < kEnd; k0 += 32) {
    if (t < 32) { KI[t] = kInfo(ctx, min(k0 + t, kEnd - 1)); }
    workgroupBarrier();
    ${loadA}
    for (var r = 0; r < 4; r++) {
      let e = t + 64 * r;
      let kk = e / 8;
      let nb = n0 + (e % 8) * 4;
      var v = vec4<f32>(0.0);
      if (k0 + kk < kEnd) {
        let q = KI[kk];
        if (nb < cols) { v.x = loadB(ctx, q, k0 + kk, nb); }
        if (nb + 1 < cols) { v.y = loadB(ctx, q, k0 + kk, nb + 1); }
        if (nb + 2 < cols) { v.z = loadB(ctx, q, k0 + kk, nb + 2); }
        if (nb + 3 < cols) { v.w = loadB(ctx, q, k0 + kk, nb + 3); }
      }
      Bs[e] = v;
    }
    workgroupBarrier();
    for (var k = 0; k < 32; k++) {
      let a = As[k * 8 + ty];
      let bv = Bs[k * 8 + tx];
      acc[0] = fma(vec4<f32>(a.x), bv, acc[0]);
      acc[1] = fma(vec4<f32>(a.y), bv, acc[1]);
      acc[2] = fma(vec4<f32>(a.z), bv, acc[2]);
      acc[3] = fma(vec4<f32>(a.w), bv, acc[3]);
    }
    workgroupBarrier();
  }
  for (var i = 0; i < 4; i++) {
    let m = m0 + ty * 4 + i;
    let n = n0 + tx * 4;
    if (m < rows && n < cols) { store(ctx, m, n, acc[i]); }
  }
}
`;
}

/**
 * The grid for a program: column tiles along x, row tiles along y (spilling into z past 65 535), z slices.
 * @example gemmGrid(131072, 64, 1) // → [2, 4096, 1]
 */
export function gemmGrid(maxRows: number, cols: number, zCount: number, limit = 65535): [number, number, number] {
  const rowTiles = Math.max(1, Math.ceil(maxRows / TILE));
  const y = Math.min(rowTiles, limit);
  const spill = Math.ceil(rowTiles / y);
  const z = zCount * spill;
  if (z > limit) throw new Error(`gemmGrid: ${rowTiles} row tiles × ${zCount} slices exceed the dispatch limit`);
  return [Math.max(1, Math.ceil(cols / TILE)), y, z];
}
