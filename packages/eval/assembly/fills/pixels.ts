/**
 * The caller's 8-bit RGB image in the module's memory, read and written by byte offset. Every access is checked
 * against its length in the bounds-checked build (an `assert`, which the release build's `noAssert` drops).
 */
export class Pixels {
  constructor(
    private base: usize,
    private length: i32,
  ) {}

  @inline get(offset: i32): i32 {
    assert(<u32>offset < <u32>this.length, 'pixel offset out of bounds');
    return <i32>load<u8>(this.base + <usize>offset);
  }

  @inline set(offset: i32, value: u8): void {
    assert(<u32>offset < <u32>this.length, 'pixel offset out of bounds');
    store<u8>(this.base + <usize>offset, value);
  }
}
