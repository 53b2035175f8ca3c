/**
 * An independent, obviously-correct reference for the specs: the RFC 9162 definitions (MTH, PATH, SUBPROOF)
 * transcribed recursively over the raw entries, hashed synchronously with node:crypto. It shares no code with the
 * library (only memoises MTH of ranges so that exhaustive tests stay fast). Test-only: not exported by the library.
 */
import { createHash } from 'node:crypto';

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** The entries used by the exhaustive specs: varied lengths, including the empty entry. */
export function sampleEntries(count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => utf8('x'.repeat(i % 5) + (i === 0 ? '' : `entry ${i}`)));
}

export class Reference {
  private readonly memo = new Map<string, Uint8Array>();

  constructor(readonly entries: readonly Uint8Array[]) {}

  leafHash(i: number): Uint8Array {
    return sha256(concat(new Uint8Array([0x00]), this.entries[i]!));
  }

  /** MTH(D[start:end]), straight from RFC 9162 section 2.1.1. */
  mth(start: number, end: number): Uint8Array {
    const key = `${start}:${end}`;
    const cached = this.memo.get(key);
    if (cached) return cached;
    const n = end - start;
    let result: Uint8Array;
    if (n === 0) {
      result = sha256(new Uint8Array(0));
    } else if (n === 1) {
      result = this.leafHash(start);
    } else {
      const k = largestPowerOfTwoBelow(n);
      result = sha256(concat(new Uint8Array([0x01]), this.mth(start, start + k), this.mth(start + k, end)));
    }
    this.memo.set(key, result);
    return result;
  }

  root(size: number): Uint8Array {
    return this.mth(0, size);
  }

  /** PATH(m, D[0:n]), RFC 9162 section 2.1.3.1. */
  inclusion(m: number, n: number): Uint8Array[] {
    return this.path(m, 0, n);
  }

  /** PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true), RFC 9162 section 2.1.4.1 (empty for m = 0 by convention). */
  consistency(m: number, n: number): Uint8Array[] {
    return m === 0 ? [] : this.subproof(m, 0, n, true);
  }

  private path(m: number, start: number, end: number): Uint8Array[] {
    const n = end - start;
    if (n === 1) return [];
    const k = largestPowerOfTwoBelow(n);
    return m < k
      ? [...this.path(m, start, start + k), this.mth(start + k, end)]
      : [...this.path(m - k, start + k, end), this.mth(start, start + k)];
  }

  private subproof(m: number, start: number, end: number, b: boolean): Uint8Array[] {
    const n = end - start;
    if (m === n) return b ? [] : [this.mth(start, end)];
    const k = largestPowerOfTwoBelow(n);
    return m <= k
      ? [...this.subproof(m, start, start + k, b), this.mth(start + k, end)]
      : [...this.subproof(m - k, start + k, end, false), this.mth(start, start + k)];
  }
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
