// metrics/registry: a small Prometheus registry and its text exposition
// (format 0.0.4). It owns metric families (counters, gauges, histograms, each
// with fixed label names), the children per label-value tuple, collect hooks
// that refresh gauges just before a scrape, and the rendering: HELP and TYPE
// lines, label-value and HELP escaping, cumulative `_bucket{le}` lines ending
// in `+Inf`, `_sum` and `_count`, and numbers written as client_golang writes
// them (Go's strconv 'g' format). No dependency: this is all the runtime
// needs, and it keeps the package free of prom-client and its process-wide
// default registry. Nothing here runs unless a caller creates a Registry.

/** The media type of the text exposition. */
export const PROMETHEUS_TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** `count` bounds starting at `start`, each `factor` times the previous (client_golang `ExponentialBuckets`). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (count < 1 || start <= 0 || factor <= 1) throw new RangeError("exponentialBuckets needs count >= 1, start > 0, factor > 1");
  const out: number[] = [];
  let v = start;
  for (let i = 0; i < count; i++) {
    out.push(v);
    v *= factor;
  }
  return out;
}

/** A metric's label values, by label name. */
export type Labels = Readonly<Record<string, string>>;

/** Options shared by every metric family. */
export interface MetricOptions {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
  readonly name: string;
  readonly help: string;
  /** `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`; `le` is reserved for histograms. */
  readonly labelNames?: readonly string[];
}

/** Options of a histogram family. */
export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, strictly increasing; `+Inf` is implied. Default client_golang's DefBuckets. */
  readonly buckets?: readonly number[];
}

/** client_golang `prometheus.DefBuckets`. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type Kind = "counter" | "gauge" | "histogram";

abstract class Family<C> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly kind: Kind;
  readonly #children = new Map<string, { labels: string[]; child: C }>();

  constructor(options: MetricOptions) {
    if (!METRIC_NAME.test(options.name)) throw new Error(`metric name ${JSON.stringify(options.name)} is not valid`);
    const labelNames = options.labelNames ?? [];
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith("__")) throw new Error(`${options.name}: label name ${JSON.stringify(l)} is not valid`);
    }
    if (new Set(labelNames).size !== labelNames.length) throw new Error(`${options.name}: duplicate label names`);
    this.name = options.name;
    this.help = options.help;
    this.labelNames = [...labelNames];
  }

  protected abstract create(): C;

  /** The child for these label values (every label name must be given, and no other). */
  labels(labels: Labels = {}): C {
    const values = this.labelNames.map((n) => {
      const v = labels[n];
      if (v === undefined) throw new Error(`${this.name}: label ${n} is missing`);
      return v;
    });
    if (Object.keys(labels).length !== values.length) {
      const extra = Object.keys(labels).filter((k) => !this.labelNames.includes(k));
      throw new Error(`${this.name}: unknown label(s) ${extra.join(", ")}`);
    }
    const key = values.join("\u0000");
    let entry = this.#children.get(key);
    if (!entry) {
      entry = { labels: values, child: this.create() };
      this.#children.set(key, entry);
    }
    return entry.child;
  }

  /** Drops the child for these label values (e.g. a gauge for an informer that is gone). */
  remove(labels: Labels = {}): void {
    this.#children.delete(this.labelNames.map((n) => labels[n] ?? "").join("\u0000"));
  }

  /** Drops every child. */
  reset(): void {
    this.#children.clear();
  }

  /** The children, sorted by label values (so the exposition is stable). */
  children(): Array<{ labels: Labels; child: C }> {
    return [...this.#children.values()]
      .sort((a, b) => compareTuples(a.labels, b.labels))
      .map((e) => ({ labels: Object.fromEntries(this.labelNames.map((n, i) => [n, e.labels[i]!])), child: e.child }));
  }

  /** Appends this family's lines to `out`. */
  abstract render(out: string[]): void;

  protected header(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.kind}`);
  }
}

function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return 0;
}

/** One counter: only goes up. */
export class CounterChild {
  #value = 0;
  /** Adds `by` (default 1); a negative amount throws. */
  inc(by = 1): void {
    if (!(by >= 0)) throw new RangeError(`a counter cannot decrease (inc by ${by})`);
    this.#value += by;
  }
  get value(): number {
    return this.#value;
  }
}

/** One gauge: set, or moved up and down. */
export class GaugeChild {
  #value = 0;
  set(v: number): void {
    this.#value = v;
  }
  inc(by = 1): void {
    this.#value += by;
  }
  dec(by = 1): void {
    this.#value -= by;
  }
  get value(): number {
    return this.#value;
  }
}

/** One histogram: counts per bucket (non-cumulative inside; rendered cumulative), sum and count. */
export class HistogramChild {
  readonly #bounds: readonly number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;
  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.#counts = new Array<number>(bounds.length + 1).fill(0);
  }
  /** Records one observation (an upper bound is inclusive: `le`). */
  observe(v: number): void {
    let i = 0;
    while (i < this.#bounds.length && v > this.#bounds[i]!) i++;
    this.#counts[i]!++;
    this.#sum += v;
    this.#count++;
  }
  get sum(): number {
    return this.#sum;
  }
  get count(): number {
    return this.#count;
  }
  /** Cumulative counts per bound, `+Inf` last. */
  cumulative(): Array<{ le: number; count: number }> {
    let acc = 0;
    return [...this.#bounds, Infinity].map((le, i) => ({ le, count: (acc += this.#counts[i]!) }));
  }
}

/** A counter family. */
export class Counter extends Family<CounterChild> {
  readonly kind = "counter";
  protected create(): CounterChild {
    return new CounterChild();
  }
  /** Shorthand for `labels(labels).inc(by)`. */
  inc(labels: Labels = {}, by = 1): void {
    this.labels(labels).inc(by);
  }
  render(out: string[]): void {
    this.header(out);
    for (const { labels, child } of this.children()) out.push(`${this.name}${formatLabels(labels)} ${formatFloat(child.value)}`);
  }
}

/** A gauge family. */
export class Gauge extends Family<GaugeChild> {
  readonly kind = "gauge";
  protected create(): GaugeChild {
    return new GaugeChild();
  }
  /** Shorthand for `labels(labels).set(v)`. */
  set(labels: Labels, v: number): void {
    this.labels(labels).set(v);
  }
  render(out: string[]): void {
    this.header(out);
    for (const { labels, child } of this.children()) out.push(`${this.name}${formatLabels(labels)} ${formatFloat(child.value)}`);
  }
}

/** A histogram family. */
export class Histogram extends Family<HistogramChild> {
  readonly kind = "histogram";
  readonly buckets: readonly number[];
  constructor(options: HistogramOptions) {
    super(options);
    if (this.labelNames.includes("le")) throw new Error(`${options.name}: "le" is reserved for histogram buckets`);
    const buckets = [...(options.buckets ?? DEFAULT_BUCKETS)];
    if (buckets.at(-1) === Infinity) buckets.pop();
    for (let i = 0; i < buckets.length; i++) {
      if (!Number.isFinite(buckets[i]!) || (i > 0 && buckets[i]! <= buckets[i - 1]!)) {
        throw new Error(`${options.name}: buckets must be finite and strictly increasing`);
      }
    }
    this.buckets = buckets;
  }
  protected create(): HistogramChild {
    return new HistogramChild(this.buckets);
  }
  /** Shorthand for `labels(labels).observe(v)`. */
  observe(labels: Labels, v: number): void {
    this.labels(labels).observe(v);
  }
  render(out: string[]): void {
    this.header(out);
    for (const { labels, child } of this.children()) {
      for (const b of child.cumulative()) {
        out.push(`${this.name}_bucket${formatLabels(labels, formatFloat(b.le))} ${formatFloat(b.count)}`);
      }
      out.push(`${this.name}_sum${formatLabels(labels)} ${formatFloat(child.sum)}`);
      out.push(`${this.name}_count${formatLabels(labels)} ${formatFloat(child.count)}`);
    }
  }
}

/** Any metric family. */
export type Metric = Counter | Gauge | Histogram;

/**
 * A set of metric families, rendered together. Asking twice for the same
 * name with the same type and label names returns the same family (so
 * several controllers or informers can share one); a different type or
 * label set throws. Collect hooks run before every {@link expose}.
 */
export class Registry {
  readonly #families = new Map<string, Metric>();
  readonly #collectors = new Set<() => void>();

  /** The counter family `options.name` (created on first use). */
  counter(options: MetricOptions): Counter {
    return this.#getOrAdd(options, "counter", () => new Counter(options));
  }

  /** The gauge family `options.name` (created on first use). */
  gauge(options: MetricOptions): Gauge {
    return this.#getOrAdd(options, "gauge", () => new Gauge(options));
  }

  /** The histogram family `options.name` (created on first use; a second ask with other buckets throws). */
  histogram(options: HistogramOptions): Histogram {
    const h = this.#getOrAdd(options, "histogram", () => new Histogram(options));
    if (options.buckets && new Histogram(options).buckets.join() !== h.buckets.join()) {
      throw new Error(`${options.name} is already registered with other buckets`);
    }
    return h;
  }

  /** The family named `name`, if registered. */
  get(name: string): Metric | undefined {
    return this.#families.get(name);
  }

  /**
   * Adds a hook run before each exposition (set gauges from live state here,
   * e.g. a store's size). A throwing hook is skipped for that scrape. Returns
   * a function that removes the hook.
   */
  addCollector(collect: () => void): () => void {
    const hook = (): void => collect();
    this.#collectors.add(hook);
    return () => void this.#collectors.delete(hook);
  }

  /** Runs the collect hooks, then renders every family (sorted by name) in text format 0.0.4. */
  expose(): string {
    for (const c of this.#collectors) {
      try {
        c();
      } catch {
        // a broken hook must not take the whole endpoint down; its gauges keep their last values
      }
    }
    const out: string[] = [];
    for (const name of [...this.#families.keys()].sort()) this.#families.get(name)!.render(out);
    return out.length === 0 ? "" : `${out.join("\n")}\n`;
  }

  #getOrAdd<M extends Metric>(options: MetricOptions, kind: Kind, make: () => M): M {
    const existing = this.#families.get(options.name);
    if (existing) {
      const labels = options.labelNames ?? [];
      if (existing.kind !== kind || existing.labelNames.join() !== labels.join()) {
        throw new Error(`${options.name} is already registered as a ${existing.kind} with labels [${existing.labelNames.join(", ")}]`);
      }
      return existing as M;
    }
    const m = make();
    this.#families.set(options.name, m);
    return m;
  }
}

/** A label value in the text format: backslash, double quote and line feed escaped. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text in the text format: backslash and line feed escaped. */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatLabels(labels: Labels, le?: string): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  if (le !== undefined) parts.push(`le="${le}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/**
 * A sample value as client_golang writes it (Go `strconv.FormatFloat(v, 'g', -1, 64)`):
 * the shortest digits that round-trip, in exponent form (`1e-08`, `1.5e+06`)
 * below 1e-4 or from 1e6 up; `+Inf`, `-Inf`, `NaN`.
 */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const [mantissa, expText] = v.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(v);
}
