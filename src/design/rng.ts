/**
 * Seeded pseudo-random numbers for everything the tool draws itself (study designs, and any
 * later stage that asks for a stream). One integer seed reproduces every draw.
 *
 * Algorithm (version 1; changing any step changes every design, so don't):
 *
 * - Generator: xoshiro256** 1.0 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro256starstar.c),
 *   256 bits of state, 64-bit outputs. Implemented on pairs of 32-bit halves; the tests check it
 *   output for output against a BigInt transcription of the reference C code.
 * - Seeding: a 64-bit key k (the seed, reduced mod 2^64) seeds a splitmix64 generator
 *   (https://prng.di.unimi.it/splitmix64.c) whose first four outputs are the xoshiro state
 *   s[0..3]. This is the seeding the xoshiro authors recommend.
 * - Child streams: `child(label)` gives the stream keyed by
 *     k' = mix64(k XOR mix64(fnv1a64(utf8(label))))
 *   where fnv1a64 is 64-bit FNV-1a and mix64(z) is the splitmix64 output function applied to
 *   z + 0x9E3779B97F4A7C15. A child depends only on its parent's key and the label, never on how
 *   many numbers the parent has drawn, so stages can be added or reordered without changing the
 *   others' draws. `child("a").child("b")` and `child("a/b")` are different streams.
 * - `float()`: the top 53 bits of one output times 2^-53, uniform on [0, 1).
 * - `uint32()`: the top 32 bits of one output.
 * - `below(n)` / `int(min, max)`: unbiased by rejection. For n <= 2^32: draw u = uint32() until
 *   u < 2^32 - (2^32 mod n), return u mod n. For 2^32 < n <= 2^53: the same with the 53-bit
 *   integer behind `float()`.
 * - `normal()`: Box–Muller. u1 = 1 - float() in (0, 1], u2 = float(); r = sqrt(-2 ln u1);
 *   returns r cos(2 pi u2) and keeps r sin(2 pi u2) for the next call (so two normals consume
 *   two outputs). Math.log/cos/sin are V8's fdlibm ports, the same on every platform.
 * - `sampleWithoutReplacement(n, k)`: the first k steps of a Fisher–Yates shuffle of 0..n-1
 *   (step i swaps position i with i + below(n - i)); returns the k chosen values in the order
 *   they were drawn.
 */

const MASK64 = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;
const TWO_POW_MINUS_53 = 1 / TWO_POW_53;

/** The splitmix64 output function applied to z + golden gamma (one splitmix64 step from state z). */
export function mix64(z: bigint): bigint {
  let x = (z + GOLDEN) & MASK64;
  x = ((x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  x = ((x ^ (x >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return x ^ (x >> 31n);
}

/** splitmix64 as in the reference code: returns `count` outputs starting from state `seed`. */
export function splitmix64(seed: bigint, count: number): bigint[] {
  const out: bigint[] = [];
  let state = seed & MASK64;
  for (let i = 0; i < count; i++) {
    out.push(mix64(state));
    state = (state + GOLDEN) & MASK64;
  }
  return out;
}

/** 64-bit FNV-1a of the UTF-8 bytes of `s`. */
export function fnv1a64(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(s)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & MASK64;
  }
  return h;
}

/** The key of the child stream `label` of the stream keyed `parentKey`. */
export function deriveKey(parentKey: bigint, label: string): bigint {
  return mix64((parentKey & MASK64) ^ mix64(fnv1a64(label)));
}

/** Converts a user seed to a 64-bit key; rejects anything but a non-negative integer. */
export function seedToKey(seed: number | bigint): bigint {
  if (typeof seed === "bigint") {
    if (seed < 0n) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
    return seed & MASK64;
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be a non-negative integer below 2^53, got ${seed}`);
  }
  return BigInt(seed);
}

/** A seeded xoshiro256** stream. Not safe to share between stages: give each its own `child`. */
export class Rng {
  /** The 64-bit key this stream was seeded from (children derive from it). */
  readonly key: bigint;
  // State s[i] = (hi[i] << 32) | lo[i], kept as unsigned 32-bit numbers.
  private h0 = 0;
  private l0 = 0;
  private h1 = 0;
  private l1 = 0;
  private h2 = 0;
  private l2 = 0;
  private h3 = 0;
  private l3 = 0;
  private spareNormal: number | undefined = undefined;

  /** The stream for `seed` (a non-negative integer; a bigint is reduced mod 2^64). */
  constructor(seed: number | bigint) {
    this.key = seedToKey(seed);
    this.setState(splitmix64(this.key, 4));
  }

  /** Same as `new Rng(seed)`. */
  static fromSeed(seed: number | bigint): Rng {
    return new Rng(seed);
  }

  /** A stream with the given raw xoshiro state (for testing against reference vectors). */
  static fromState(state: readonly bigint[]): Rng {
    if (state.length !== 4 || state.every((s) => (s & MASK64) === 0n)) {
      throw new RangeError("xoshiro256** state must be four 64-bit words, not all zero");
    }
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  /** An independent stream determined by this stream's key and `label` only. */
  child(label: string): Rng {
    return new Rng(deriveKey(this.key, label));
  }

  private setState(s: readonly bigint[]): void {
    const hi = (x: bigint) => Number((x >> 32n) & 0xffffffffn);
    const lo = (x: bigint) => Number(x & 0xffffffffn);
    this.h0 = hi(s[0]);
    this.l0 = lo(s[0]);
    this.h1 = hi(s[1]);
    this.l1 = lo(s[1]);
    this.h2 = hi(s[2]);
    this.l2 = lo(s[2]);
    this.h3 = hi(s[3]);
    this.l3 = lo(s[3]);
    this.spareNormal = undefined;
  }

  // One xoshiro256** step. Leaves the 64-bit output in outHi/outLo.
  private outHi = 0;
  private outLo = 0;
  private step(): void {
    // result = rotl(s1 * 5, 7) * 9
    let h = this.h1;
    let l = this.l1;
    // x * 5 = (x << 2) + x
    let sl = (l << 2) >>> 0;
    let sh = ((h << 2) | (l >>> 30)) >>> 0;
    let rl = (sl + l) >>> 0;
    let rh = (sh + h + (rl < sl ? 1 : 0)) >>> 0;
    // rotl 7
    const r7h = ((rh << 7) | (rl >>> 25)) >>> 0;
    const r7l = ((rl << 7) | (rh >>> 25)) >>> 0;
    // * 9 = (x << 3) + x
    sl = (r7l << 3) >>> 0;
    sh = ((r7h << 3) | (r7l >>> 29)) >>> 0;
    rl = (sl + r7l) >>> 0;
    rh = (sh + r7h + (rl < sl ? 1 : 0)) >>> 0;
    this.outHi = rh;
    this.outLo = rl;

    // t = s1 << 17
    const th = ((this.h1 << 17) | (this.l1 >>> 15)) >>> 0;
    const tl = (this.l1 << 17) >>> 0;
    // s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)
    this.h2 = (this.h2 ^ this.h0) >>> 0;
    this.l2 = (this.l2 ^ this.l0) >>> 0;
    this.h3 = (this.h3 ^ this.h1) >>> 0;
    this.l3 = (this.l3 ^ this.l1) >>> 0;
    this.h1 = (this.h1 ^ this.h2) >>> 0;
    this.l1 = (this.l1 ^ this.l2) >>> 0;
    this.h0 = (this.h0 ^ this.h3) >>> 0;
    this.l0 = (this.l0 ^ this.l3) >>> 0;
    this.h2 = (this.h2 ^ th) >>> 0;
    this.l2 = (this.l2 ^ tl) >>> 0;
    // rotl 45 = swap halves, then rotl 13
    h = this.l3;
    l = this.h3;
    this.h3 = ((h << 13) | (l >>> 19)) >>> 0;
    this.l3 = ((l << 13) | (h >>> 19)) >>> 0;
  }

  /** The next raw 64-bit output. */
  nextUint64(): bigint {
    this.step();
    return (BigInt(this.outHi) << 32n) | BigInt(this.outLo);
  }

  /** The top 32 bits of the next output: uniform on 0..2^32-1. */
  uint32(): number {
    this.step();
    return this.outHi;
  }

  /** The top 53 bits of the next output, as an integer uniform on 0..2^53-1. */
  private uint53(): number {
    this.step();
    return this.outHi * 2097152 + (this.outLo >>> 11);
  }

  /** Uniform on [0, 1), 53 bits of precision. */
  float(): number {
    return this.uint53() * TWO_POW_MINUS_53;
  }

  /** Uniform on [low, high). */
  uniform(low: number, high: number): number {
    if (!(Number.isFinite(low) && Number.isFinite(high) && low <= high)) {
      throw new RangeError(`uniform(low, high) needs finite low <= high, got ${low}, ${high}`);
    }
    return low + (high - low) * this.float();
  }

  /** A uniform integer in 0..n-1, without modulo bias; n an integer in 1..2^53. */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_53) {
      throw new RangeError(`below(n) needs an integer 1 <= n <= 2^53, got ${n}`);
    }
    if (n <= TWO_POW_32) {
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      for (;;) {
        const u = this.uint32();
        if (u < limit) return u % n;
      }
    }
    const limit = TWO_POW_53 - (TWO_POW_53 % n);
    for (;;) {
      const u = this.uint53();
      if (u < limit) return u % n;
    }
  }

  /** A uniform integer in min..max (both included). */
  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) {
      throw new RangeError(`int(min, max) needs integers min <= max, got ${min}, ${max}`);
    }
    return min + this.below(max - min + 1);
  }

  /** A normal draw (Box–Muller, see the file comment). */
  normal(mean = 0, sd = 1): number {
    if (!(Number.isFinite(mean) && Number.isFinite(sd) && sd >= 0)) {
      throw new RangeError(`normal(mean, sd) needs finite mean and sd >= 0, got ${mean}, ${sd}`);
    }
    let z: number;
    if (this.spareNormal !== undefined) {
      z = this.spareNormal;
      this.spareNormal = undefined;
    } else {
      const u1 = 1 - this.float();
      const u2 = this.float();
      const r = Math.sqrt(-2 * Math.log(u1));
      const theta = 2 * Math.PI * u2;
      z = r * Math.cos(theta);
      this.spareNormal = r * Math.sin(theta);
    }
    return mean + sd * z;
  }

  /** k distinct integers from 0..n-1, uniformly, in the order drawn (partial Fisher–Yates). */
  sampleWithoutReplacement(n: number, k: number): number[] {
    if (!Number.isInteger(n) || n < 0 || !Number.isInteger(k) || k < 0 || k > n) {
      throw new RangeError(`sampleWithoutReplacement(n, k) needs integers 0 <= k <= n, got ${n}, ${k}`);
    }
    const pool = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = i + this.below(n - i);
      const tmp = pool[i];
      pool[i] = pool[j];
      pool[j] = tmp;
    }
    return pool.slice(0, k);
  }

  /** Shuffles `items` in place (Fisher–Yates from the front, as above) and returns it. */
  shuffle<T>(items: T[]): T[] {
    const n = items.length;
    for (let i = 0; i < n - 1; i++) {
      const j = i + this.below(n - i);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}
