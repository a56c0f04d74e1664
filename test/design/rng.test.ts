import { describe, expect, it } from "vitest";
import { deriveKey, fnv1a64, mix64, Rng, splitmix64 } from "../../src/design/rng.js";

const M64 = (1n << 64n) - 1n;
const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (64n - k))) & M64;

/** A BigInt transcription of the reference xoshiro256starstar.c next(). */
function referenceXoshiro(state: bigint[]): () => bigint {
  const s = [...state];
  return () => {
    const result = (rotl((s[1] * 5n) & M64, 7n) * 9n) & M64;
    const t = (s[1] << 17n) & M64;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45n);
    return result;
  };
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 erf, |error| < 1.5e-7). */
function phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

function chiSquare(counts: number[], expected: number): number {
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

describe("xoshiro256** and splitmix64 match their reference code", () => {
  it("gives the known outputs of xoshiro256** from state {1, 2, 3, 4}", () => {
    const r = Rng.fromState([1n, 2n, 3n, 4n]);
    expect([r.nextUint64(), r.nextUint64(), r.nextUint64(), r.nextUint64()]).toEqual([
      11520n,
      0n,
      1509978240n,
      1215971899390074240n,
    ]);
  });

  it("agrees with a BigInt transcription of the reference for 5000 outputs from several states", () => {
    const states = [
      [1n, 2n, 3n, 4n],
      [M64, M64 - 1n, 0x8000000000000000n, 0x7fffffffffffffffn],
      splitmix64(987654321n, 4),
    ];
    for (const st of states) {
      const ours = Rng.fromState(st);
      const ref = referenceXoshiro(st);
      const a: bigint[] = [];
      const b: bigint[] = [];
      for (let i = 0; i < 5000; i++) {
        a.push(ours.nextUint64());
        b.push(ref());
      }
      expect(a).toEqual(b);
    }
  });

  it("gives the known splitmix64 outputs for seed 1234567", () => {
    expect(splitmix64(1234567n, 5)).toEqual([
      6457827717110365317n,
      3203168211198807973n,
      9817491932198370423n,
      4593380528125082431n,
      16408922859458223821n,
    ]);
  });

  it("seeds xoshiro with the first four splitmix64 outputs of the seed", () => {
    for (const seed of [0, 1, 42, 2 ** 53 - 1]) {
      const ours = new Rng(seed);
      const ref = referenceXoshiro(splitmix64(BigInt(seed), 4));
      for (let i = 0; i < 100; i++) expect(ours.nextUint64()).toBe(ref());
    }
  });

  it("derives float, uint32 from the top bits of the output", () => {
    const a = new Rng(9);
    const b = new Rng(9);
    for (let i = 0; i < 100; i++) {
      const x = a.nextUint64();
      expect(b.uint32()).toBe(Number(x >> 32n));
    }
    const c = new Rng(10);
    const d = new Rng(10);
    for (let i = 0; i < 100; i++) {
      expect(d.float()).toBe(Number(c.nextUint64() >> 11n) / 2 ** 53);
    }
  });

  it("keeps version-1 streams stable (golden values)", () => {
    expect(new Rng(42).nextUint64()).toBe(1546998764402558742n);
    expect(mix64(0n)).toBe(splitmix64(0n, 1)[0]);
    expect(fnv1a64("")).toBe(0xcbf29ce484222325n);
    expect(fnv1a64("a")).toBe(0xaf63dc4c8601ec8cn); // published FNV-1a 64 test vector
    expect(new Rng(42).child("design/features").key).toBe(deriveKey(42n, "design/features"));
  });
});

describe("seeds and child streams", () => {
  it("reproduces a stream from its seed and differs between seeds", () => {
    const seq = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 20 }, () => r.float());
    };
    expect(seq(123)).toEqual(seq(123));
    expect(seq(123)).not.toEqual(seq(124));
  });

  it("gives children that depend only on the parent's key and the label", () => {
    const p1 = new Rng(5);
    const p2 = new Rng(5);
    for (let i = 0; i < 17; i++) p2.float(); // the parent's draws do not matter
    const a = p1.child("iteration/1");
    const b = p2.child("iteration/1");
    for (let i = 0; i < 50; i++) expect(a.nextUint64()).toBe(b.nextUint64());
    const first = (r: Rng) => r.nextUint64();
    expect(first(p1.child("iteration/1"))).not.toBe(first(p1.child("iteration/2")));
    expect(first(p1.child("a").child("b"))).not.toBe(first(p1.child("a/b")));
    expect(first(new Rng(5).child("x"))).not.toBe(first(new Rng(6).child("x")));
    expect(first(new Rng(5).child("x"))).not.toBe(first(new Rng(5)));
  });

  it("gives uncorrelated sibling streams", () => {
    const n = 50000;
    const a = new Rng(77).child("left");
    const b = new Rng(77).child("right");
    let sab = 0;
    for (let i = 0; i < n; i++) sab += (a.float() - 0.5) * (b.float() - 0.5);
    const r = sab / n / (1 / 12);
    expect(Math.abs(r)).toBeLessThan(5 / Math.sqrt(n));
  });

  it("rejects seeds that are not non-negative integers", () => {
    expect(() => new Rng(-1)).toThrow(/non-negative integer/);
    expect(() => new Rng(1.5)).toThrow(/non-negative integer/);
    expect(() => new Rng(Number.NaN)).toThrow(/non-negative integer/);
    expect(() => new Rng(2 ** 60)).toThrow(/below 2\^53/);
    expect(new Rng(2n ** 64n + 3n).key).toBe(3n);
  });
});

describe("distributions (statistical checks that fail on a wrong generator)", () => {
  it("float() is uniform on [0, 1)", () => {
    const r = new Rng(2024);
    const n = 100000;
    const bins = new Array<number>(20).fill(0);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = r.float();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      bins[Math.floor(u * 20)]++;
    }
    expect(outside).toBe(0);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    // chi-square, 19 df: P(X > 50) ~ 1e-4
    expect(chiSquare(bins, n / 20)).toBeLessThan(50);
  });

  it("normal() has mean 0, variance 1, no skew or excess kurtosis, and a normal CDF", () => {
    const r = new Rng(31337);
    const n = 200000;
    const xs = new Float64Array(n);
    let s1 = 0;
    for (let i = 0; i < n; i++) {
      xs[i] = r.normal();
      s1 += xs[i];
    }
    const mean = s1 / n;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    for (const x of xs) {
      const d = x - mean;
      s2 += d * d;
      s3 += d ** 3;
      s4 += d ** 4;
    }
    const v = s2 / (n - 1);
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(v - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(s3 / n)).toBeLessThan(5 * Math.sqrt(6 / n));
    expect(Math.abs(s4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    // Kolmogorov-Smirnov on the first 50000 draws: critical value at alpha = 0.001 is 1.95/sqrt(n).
    const m = 50000;
    const sorted = Array.from(xs.subarray(0, m)).sort((a, b) => a - b);
    let dmax = 0;
    sorted.forEach((x, i) => {
      const F = phi(x);
      dmax = Math.max(dmax, Math.abs(F - i / m), Math.abs(F - (i + 1) / m));
    });
    expect(dmax).toBeLessThan(1.95 / Math.sqrt(m));
  });

  it("normal(mean, sd) shifts and scales", () => {
    const r = new Rng(8);
    const n = 100000;
    let s = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal(5, 2);
      s += x;
      ss += x * x;
    }
    const mean = s / n;
    const sd = Math.sqrt(ss / n - mean * mean);
    expect(Math.abs(mean - 5)).toBeLessThan(5 * (2 / Math.sqrt(n)));
    expect(Math.abs(sd - 2)).toBeLessThan(0.03);
    expect(() => r.normal(0, -1)).toThrow(RangeError);
  });

  it("below(7) is uniform (chi-square) and int(min, max) covers both ends", () => {
    const r = new Rng(99);
    const n = 70000;
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < n; i++) counts[r.below(7)]++;
    // 6 df: P(X > 35) ~ 4e-6
    expect(chiSquare(counts, n / 7)).toBeLessThan(35);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const k = r.int(-2, 2);
      expect(k >= -2 && k <= 2 && Number.isInteger(k)).toBe(true);
      seen.add(k);
    }
    expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2].sort());
    expect(r.below(1)).toBe(0);
    expect(r.int(4, 4)).toBe(4);
    expect(() => r.below(0)).toThrow(RangeError);
    expect(() => r.below(2.5)).toThrow(RangeError);
    expect(() => r.int(3, 2)).toThrow(RangeError);
  });

  it("has no modulo bias for ranges that do not divide 2^32 or 2^53", () => {
    // For n = 3 * 2^30, plain (uint32 mod n) would put half of the draws below 2^30 = n/3.
    const r = new Rng(4242);
    const trials = 60000;
    const check = (n: number) => {
      let low = 0;
      let bad = 0;
      for (let i = 0; i < trials; i++) {
        const k = r.below(n);
        if (!(Number.isInteger(k) && k >= 0 && k < n)) bad++;
        if (k < n / 3) low++;
      }
      expect(bad).toBe(0);
      const p = low / trials;
      expect(Math.abs(p - 1 / 3)).toBeLessThan(5 * Math.sqrt(((1 / 3) * (2 / 3)) / trials));
    };
    check(3 * 2 ** 30);
    // The same on the 53-bit path: n = 3 * 2^51, where (uint53 mod n) would be biased the same way.
    check(3 * 2 ** 51);
  });

  it("sampleWithoutReplacement draws distinct values, each equally often", () => {
    const r = new Rng(555);
    const n = 10;
    const k = 4;
    const trials = 40000;
    const included = new Array<number>(n).fill(0);
    const firstDrawn = new Array<number>(n).fill(0);
    let bad = 0;
    for (let t = 0; t < trials; t++) {
      const s = r.sampleWithoutReplacement(n, k);
      if (s.length !== k || new Set(s).size !== k) bad++;
      for (const v of s) {
        if (!(Number.isInteger(v) && v >= 0 && v < n)) bad++;
        else included[v]++;
      }
      firstDrawn[s[0]]++;
    }
    expect(bad).toBe(0);
    const p = k / n;
    for (const c of included) expect(Math.abs(c / trials - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / trials));
    // 9 df: P(X > 40) ~ 7e-6
    expect(chiSquare(firstDrawn, trials / n)).toBeLessThan(40);
    expect(r.sampleWithoutReplacement(5, 5).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(r.sampleWithoutReplacement(5, 0)).toEqual([]);
    expect(() => r.sampleWithoutReplacement(3, 4)).toThrow(RangeError);
  });

  it("shuffle gives each permutation of 3 items equally often", () => {
    const r = new Rng(3);
    const counts = new Map<string, number>();
    const trials = 60000;
    for (let t = 0; t < trials; t++) {
      const key = r.shuffle(["a", "b", "c"]).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // 5 df: P(X > 30) ~ 1.5e-5
    expect(chiSquare([...counts.values()], trials / 6)).toBeLessThan(30);
  });
});
