// Resource quantities as numbers: parsing, the canonical string, comparison and
// arithmetic of apimachinery's resource.Quantity (pkg/api/resource/quantity.go,
// amount.go, suffix.go). The wire type stays `Quantity` (meta/types.ts: the
// string, or number, that objects carry); this module owns `ResourceQuantity`,
// the exact value behind such a string, and the functions that read and write it.
//
// Contract:
// - Values are exact: a bigint mantissa times a power of ten, never a float.
//   Like apimachinery, a parsed value keeps at most 9 decimal places (nano):
//   finer values round up, away from zero (`0.1n` is `1n`, `-0.1n` is `-1n`),
//   and BinarySI values are capped at 2^63-1 in magnitude (`9Ei`). Decimal
//   values are not capped (apimachinery's inf.Dec path keeps them too).
// - The format (BinarySI, DecimalSI, DecimalExponent) comes from the suffix and
//   is kept by `toString()`, which follows Quantity.CanonicalizeBytes: no
//   fractional digits, the largest suffix that loses nothing, BinarySI falling
//   back to DecimalSI below 1024 or when the value is not a whole number.
// - Objects are immutable: `add`, `sub`, `neg` and `roundUp` return new ones.
//
// Deliberate differences from Go, each for an input Go mishandles:
// - Strings without a digit in the number ("", ".", "-", "m", "Ki"), which Go's
//   scanner lets through as zero, are rejected, as the grammar in quantity.go
//   and the OpenAPI pattern for quantities require a digit.
// - An exponent outside the int32 range is rejected (Go wraps it around).
// - `toString()` is always the canonical form; Go's String() echoes an input it
//   takes for canonical as written, sign and case included (`+1Ki`, `1E3`).
// - Sums beyond the largest suffix print correctly (`1000E`, `1024Ei`) where Go
//   would drop the suffix; `value()`/`milliValue()` are bigints and never wrap.

import type { Quantity } from "./types.js";

/** How a quantity is written: `12Mi` (2^20), `12M` (10^6) or `12e6`. */
export type QuantityFormat = "BinarySI" | "DecimalSI" | "DecimalExponent";

/** Raised by {@link parseQuantity} for a string that is not a quantity; the message quotes it. */
export class QuantityParseError extends Error {
  override readonly name = "QuantityParseError";
  /** The rejected input. */
  readonly input: string;
  constructor(input: string, reason: string) {
    super(`invalid quantity ${JSON.stringify(input)}: ${reason}`);
    this.input = input;
  }
}

/** Smallest decimal exponent a value keeps (apimachinery `Nano`). */
const MIN_SCALE = -9;
/** Largest magnitude a BinarySI value may have after parsing (apimachinery `maxAllowed`). */
const MAX_BINARY = (1n << 63n) - 1n;
/** Work with more digits than this (a power of ten to materialise) is refused rather than attempted. */
const MAX_DIGITS = 1_000_000;
const INT32_MAX = 2 ** 31 - 1;

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_SUFFIX_BY_POWER = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"] as const;

/** `<sign><digits>[.<digits>]<suffix>`, the split apimachinery's scanner makes. */
const SHAPE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/s;
const EXPONENT_SUFFIX = /^[eE]([+-]?[0-9]+)$/;

function pow10(n: number): bigint {
  if (n > MAX_DIGITS) throw new RangeError(`quantity arithmetic would need 10^${n}: refused (limit 10^${MAX_DIGITS})`);
  return 10n ** BigInt(n);
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

/** Number of decimal digits of a non-negative bigint (1 for 0). */
function digitCount(v: bigint): number {
  return v.toString().length;
}

/** `a / b` rounded away from zero (b > 0). */
function divAwayFromZero(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b === 0n ? q : a < 0n ? q - 1n : q + 1n;
}

/** Removes trailing decimal zeros from the mantissa into the exponent. */
function normalise(unscaled: bigint, scale: number): [bigint, number] {
  if (unscaled === 0n) return [0n, 0];
  while (unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale++;
  }
  return [unscaled, scale];
}

/** Rounds `unscaled * 10^scale` up (away from zero) so that its exponent is at least `minScale`. */
function roundToScale(unscaled: bigint, scale: number, minScale: number): [bigint, number] {
  if (unscaled === 0n || scale >= minScale) return [unscaled, scale];
  const drop = minScale - scale;
  // every digit is dropped: what is left is one unit of the new scale
  if (drop > digitCount(abs(unscaled))) return [unscaled < 0n ? -1n : 1n, minScale];
  return [divAwayFromZero(unscaled, pow10(drop)), minScale];
}

let makeQuantity: (unscaled: bigint, scale: number, format: QuantityFormat) => ResourceQuantity;

/**
 * The exact value of a resource quantity and the format it is written in
 * (apimachinery `resource.Quantity`). Get one with {@link parseQuantity}
 * (`parseQuantity("1.5Gi")`) or the static constructors; `toString()` and
 * `toJSON()` give the canonical wire string (`"1536Mi"`).
 *
 * @example
 * const limit = parseQuantity(container.resources?.limits?.memory ?? "0");
 * if (limit.cmp("1Gi") > 0) console.log(`${limit} is more than 1Gi`);
 * const total = parseQuantity("100m").add("1.5"); // "1600m"
 */
export class ResourceQuantity {
  /** The mantissa, without trailing zeros (0n for zero). */
  readonly #unscaled: bigint;
  /** The decimal exponent, at least -9. */
  readonly #scale: number;
  /** How `toString()` writes the value. */
  readonly format: QuantityFormat;

  private constructor(unscaled: bigint, scale: number, format: QuantityFormat) {
    [this.#unscaled, this.#scale] = normalise(unscaled, scale);
    this.format = format;
  }

  /** Parses a wire value; the same as {@link parseQuantity}. */
  static parse(value: Quantity): ResourceQuantity {
    return parseQuantity(value);
  }

  /**
   * `value * 10^scale` in `format` (apimachinery NewQuantity, NewMilliQuantity,
   * NewScaledQuantity). `scale` is an integer of at least -9; `value` a safe integer or a bigint.
   */
  static fromScaled(value: bigint | number, scale = 0, format: QuantityFormat = "DecimalSI"): ResourceQuantity {
    if (typeof value === "number" && !Number.isSafeInteger(value)) throw new RangeError(`quantity value ${value} is not a safe integer: pass a bigint`);
    if (!Number.isInteger(scale) || scale < MIN_SCALE || scale > INT32_MAX) throw new RangeError(`quantity scale ${scale} is not an integer in [-9, 2^31-1]`);
    return new ResourceQuantity(BigInt(value), scale, format);
  }

  /** A whole number in `format` (apimachinery NewQuantity). */
  static fromInteger(value: bigint | number, format: QuantityFormat = "DecimalSI"): ResourceQuantity {
    return ResourceQuantity.fromScaled(value, 0, format);
  }

  /** `value / 1000` in `format` (apimachinery NewMilliQuantity). */
  static fromMilli(value: bigint | number, format: QuantityFormat = "DecimalSI"): ResourceQuantity {
    return ResourceQuantity.fromScaled(value, -3, format);
  }

  /** Zero, written `"0"`. */
  static readonly ZERO: ResourceQuantity = new ResourceQuantity(0n, 0, "DecimalSI");

  static {
    // the parser, which has already rounded and capped, builds values directly
    makeQuantity = (unscaled, scale, format) => new ResourceQuantity(unscaled, scale, format);
  }

  /** True when the value is zero, whatever the suffix (`"0Ki"`). */
  isZero(): boolean {
    return this.#unscaled === 0n;
  }

  /** -1, 0 or 1. */
  sign(): -1 | 0 | 1 {
    return this.#unscaled < 0n ? -1 : this.#unscaled > 0n ? 1 : 0;
  }

  /** -1, 0 or 1 as this value is below, equal to or above `other` (apimachinery Cmp); formats do not matter. */
  cmp(other: ResourceQuantity | Quantity): -1 | 0 | 1 {
    const o = toResourceQuantity(other);
    const sa = this.sign();
    const sb = o.sign();
    if (sa !== sb) return sa < sb ? -1 : 1;
    if (sa === 0) return 0;
    // same sign, both non-zero: compare orders of magnitude first, so that
    // 1e2000000000 against 1n needs no giant power of ten
    const ma = digitCount(abs(this.#unscaled)) + this.#scale;
    const mb = digitCount(abs(o.#unscaled)) + o.#scale;
    if (ma !== mb) return (ma > mb) === (sa > 0) ? 1 : -1;
    const scale = Math.min(this.#scale, o.#scale);
    const a = this.#unscaled * pow10(this.#scale - scale);
    const b = o.#unscaled * pow10(o.#scale - scale);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  /** True when both are the same number (`"1Ki"` equals `"1024"`). */
  equals(other: ResourceQuantity | Quantity): boolean {
    return this.cmp(other) === 0;
  }

  /**
   * The sum. The result keeps this value's format, or takes `other`'s when this
   * value is zero (apimachinery Add); it is exact and neither rounded nor capped.
   */
  add(other: ResourceQuantity | Quantity): ResourceQuantity {
    const o = toResourceQuantity(other);
    const format = this.isZero() ? o.format : this.format;
    const scale = Math.min(this.#scale, o.#scale);
    const sum = this.#unscaled * pow10(this.#scale - scale) + o.#unscaled * pow10(o.#scale - scale);
    return new ResourceQuantity(sum, scale, format);
  }

  /** The difference, with the format rule of {@link add} (apimachinery Sub). */
  sub(other: ResourceQuantity | Quantity): ResourceQuantity {
    const o = toResourceQuantity(other);
    const format = this.isZero() ? o.format : this.format;
    return new ResourceQuantity(this.#unscaled, this.#scale, format).add(new ResourceQuantity(-o.#unscaled, o.#scale, format));
  }

  /** The negated value, same format (apimachinery Neg). */
  neg(): ResourceQuantity {
    return new ResourceQuantity(-this.#unscaled, this.#scale, this.format);
  }

  /**
   * The value rounded away from zero to a multiple of 10^scale (apimachinery
   * RoundUp): `"9.01"` at scale -1 is `9.1`, at 0 is `10`. Compare with the
   * original (`equals`) to learn whether precision was lost.
   */
  roundUp(scale: number): ResourceQuantity {
    if (!Number.isInteger(scale)) throw new RangeError(`scale ${scale} is not an integer`);
    const [u, s] = roundToScale(this.#unscaled, this.#scale, scale);
    return new ResourceQuantity(u, s, this.format);
  }

  /** `ceil(value / 10^scale)`, rounded away from zero, as an exact bigint (apimachinery ScaledValue, which wraps at int64). */
  scaledValue(scale: number): bigint {
    if (!Number.isInteger(scale)) throw new RangeError(`scale ${scale} is not an integer`);
    const shift = this.#scale - scale;
    if (shift >= 0) return this.#unscaled * pow10(shift);
    const [u] = roundToScale(this.#unscaled, this.#scale, scale);
    return u;
  }

  /** The value rounded away from zero to a whole number (apimachinery Value): `"100m"` is 1n. */
  value(): bigint {
    return this.scaledValue(0);
  }

  /** The value in thousandths, rounded away from zero (apimachinery MilliValue): `"1.5"` is 1500n. */
  milliValue(): bigint {
    return this.scaledValue(-3);
  }

  /**
   * The nearest JavaScript number (apimachinery AsApproximateFloat64). Precision
   * is lost beyond 2^53 and for most fractions (`"100m"` is 0.1, which no double
   * holds exactly); values beyond the double range give ±Infinity. Use
   * {@link value}, {@link milliValue} or {@link cmp} when exactness matters.
   */
  toNumber(): number {
    return Number(`${this.#unscaled}e${this.#scale}`);
  }

  /** The exact value in plain decimal notation, without suffix: `"1.5Gi"` is `"1610612736"`, `"-1n"` is `"-0.000000001"`. */
  toDecimalString(): string {
    const u = this.#unscaled;
    if (this.#scale >= 0) return (u * pow10(this.#scale)).toString();
    const digits = abs(u).toString().padStart(-this.#scale + 1, "0");
    const point = digits.length + this.#scale;
    return `${u < 0n ? "-" : ""}${digits.slice(0, point)}.${digits.slice(point)}`;
  }

  /** The canonical string (apimachinery CanonicalizeBytes): `"1536Mi"`, `"100m"`, `"1e3"`, `"0"`. */
  toString(): string {
    if (this.#unscaled === 0n) return "0";
    const sign = this.#unscaled < 0n ? "-" : "";
    let format = this.format;
    if (format === "BinarySI") {
      // below 1024, or not a whole number, BinarySI would round: write it as DecimalSI instead
      if (this.#scale < 0 || (this.#scale < 4 && abs(this.#unscaled) * 10n ** BigInt(this.#scale) < 1024n)) format = "DecimalSI";
    }
    if (format === "BinarySI") {
      let n = abs(this.#unscaled) * pow10(this.#scale);
      let power = 0;
      while (power < BINARY_SUFFIX_BY_POWER.length - 1 && n % 1024n === 0n) {
        n /= 1024n;
        power++;
      }
      return `${sign}${n}${BINARY_SUFFIX_BY_POWER[power]}`;
    }
    // the exponent goes down to a multiple of three (1.1e5 is 110e3), the mantissa up
    let mantissa = abs(this.#unscaled);
    let exponent = this.#scale;
    const r = ((exponent % 3) + 3) % 3;
    mantissa *= pow10(r);
    exponent -= r;
    if (format === "DecimalExponent") return `${sign}${mantissa}${exponent === 0 ? "" : `e${exponent}`}`;
    if (exponent > 18) {
      mantissa *= pow10(exponent - 18);
      exponent = 18;
    }
    return `${sign}${mantissa}${DECIMAL_SUFFIX_BY_EXPONENT.get(exponent)!}`;
  }

  /** The canonical string, so that `JSON.stringify` writes a wire value. */
  toJSON(): string {
    return this.toString();
  }
}

/**
 * Parses a quantity as the API server does (apimachinery ParseQuantity):
 * `<sign><number><suffix>` with a binary suffix (Ki Mi Gi Ti Pi Ei), a decimal
 * one (n u m "" k M G T P E) or an exponent (`e3`, `E-6`, `e+2`). Numbers may
 * start or end with a dot (`.5`, `1.`). A JavaScript number is read from its
 * decimal text, as the server reads a JSON number. No surrounding whitespace.
 *
 * @throws QuantityParseError for anything else.
 */
export function parseQuantity(input: Quantity): ResourceQuantity {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new QuantityParseError(String(input), "not a finite number");
    return parseQuantity(String(input));
  }
  if (typeof input !== "string") throw new QuantityParseError(String(input), "not a string or number");
  const m = SHAPE.exec(input);
  if (!m) throw new QuantityParseError(input, "expected <sign><number><suffix>");
  const [, signText, whole = "", fraction = "", suffix = ""] = m;
  if (whole === "" && fraction === "") throw new QuantityParseError(input, "the number has no digits");

  let format: QuantityFormat;
  let unscaled = BigInt(`${whole}${fraction}` || "0");
  let scale = -fraction.length;
  if (suffix in DECIMAL_SUFFIXES) {
    format = "DecimalSI";
    scale += DECIMAL_SUFFIXES[suffix]!;
  } else if (suffix in BINARY_SUFFIXES) {
    format = "BinarySI";
    unscaled <<= BigInt(BINARY_SUFFIXES[suffix]!);
  } else {
    const e = EXPONENT_SUFFIX.exec(suffix);
    if (!e) throw new QuantityParseError(input, `unknown suffix ${JSON.stringify(suffix)}`);
    const exponent = Number(e[1]);
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > INT32_MAX) throw new QuantityParseError(input, "exponent out of range");
    format = "DecimalExponent";
    scale += exponent;
  }
  if (signText === "-") unscaled = -unscaled;

  [unscaled, scale] = normalise(unscaled, scale);
  // at most nine decimal places: a request for some resource gets at least 1n of it
  [unscaled, scale] = roundToScale(unscaled, scale, MIN_SCALE);
  if (format === "BinarySI") {
    const magnitude = digitCount(abs(unscaled)) + scale;
    // cap at 2^63-1 (19 digits); compare exactly only when the size is close
    const over = magnitude > 19 || (magnitude === 19 && (scale >= 0 ? abs(unscaled) * pow10(scale) > MAX_BINARY : abs(unscaled) > MAX_BINARY * pow10(-scale)));
    if (over) {
      [unscaled, scale] = [unscaled < 0n ? -MAX_BINARY : MAX_BINARY, 0];
    }
    // a fraction of one cannot be written in BinarySI
    if (unscaled !== 0n && magnitude <= 0) format = "DecimalSI";
  }
  return makeQuantity(unscaled, scale, format);
}

/** Like {@link parseQuantity}, but `undefined` for an invalid quantity. */
export function tryParseQuantity(input: Quantity): ResourceQuantity | undefined {
  try {
    return parseQuantity(input);
  } catch (err) {
    if (err instanceof QuantityParseError) return undefined;
    throw err;
  }
}

/** Returns the value itself, or parses a wire value (throwing {@link QuantityParseError}). */
export function toResourceQuantity(value: ResourceQuantity | Quantity): ResourceQuantity {
  return value instanceof ResourceQuantity ? value : parseQuantity(value);
}

/** The canonical wire string of a quantity: `canonicalQuantity("1.5Gi")` is `"1536Mi"`, `canonicalQuantity(0.1)` is `"100m"`. */
export function canonicalQuantity(value: ResourceQuantity | Quantity): string {
  return toResourceQuantity(value).toString();
}

/** -1, 0 or 1; usable as an `Array.prototype.sort` comparator over wire values (`["1Gi", "500Mi"].sort(compareQuantities)`). */
export function compareQuantities(a: ResourceQuantity | Quantity, b: ResourceQuantity | Quantity): -1 | 0 | 1 {
  return toResourceQuantity(a).cmp(b);
}
