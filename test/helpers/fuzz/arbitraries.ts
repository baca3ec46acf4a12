// fast-check arbitraries for the generator's untrusted inputs: hostile text,
// names (valid, valid but awkward, invalid), JSON values of every type,
// OpenAPI v3 schemas (objects, arrays, maps, enums, unions, x-kubernetes-*
// markers with valid and invalid values) nested to a bounded depth, CRDs that
// wrap them, and swagger v2 / OpenAPI v3 documents with definitions, GVKs and
// resource paths. Values are plain JSON-like data; the tests serialise them
// (YAML or JSON) before the generator sees them, so what fast-check prints as
// a counterexample is exactly the document's content.
import fc from "fast-check";
import { AWKWARD_GROUPS, AWKWARD_KINDS, AWKWARD_LABELS, AWKWARD_PROPERTY_NAMES, payloads } from "./payloads.js";

/** A JSON-like value (what a schema or a document holds). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** An object with these entries as own properties (`__proto__` included), in order. */
export function entries<T>(pairs: readonly (readonly [string, T])[]): Record<string, T> {
  return Object.fromEntries(pairs) as Record<string, T>;
}

/** Valid `v` with weight 4, `invalid` with weight 1. */
export function mostly<T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: invalid as fc.Arbitrary<T | U> });
}

/**
 * `mostly` for hostile documents; only `valid` otherwise. Documents of a
 * property are half valid (hostile text, but every value of the right type and
 * every name valid, so they reach the emitters) and half hostile.
 */
export function chooser(hostile: boolean): <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) => fc.Arbitrary<T | U> {
  return hostile ? mostly : <T, U>(valid: fc.Arbitrary<T>, _invalid: fc.Arbitrary<U>): fc.Arbitrary<T | U> => valid;
}

/** Everything the arbitraries need that depends on the run: the canary file that payloads write. */
export interface FuzzText {
  /** Hostile text: payloads, awkward names, arbitrary Unicode (lone surrogates and control characters included), long strings. */
  readonly text: fc.Arbitrary<string>;
  /** A property name: usually an ordinary one, often an awkward or hostile one. */
  readonly propertyName: fc.Arbitrary<string>;
  /** The canary payloads themselves. */
  readonly payload: fc.Arbitrary<string>;
}

const ordinaryName = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,11}$/);

export function fuzzText(canary: string): FuzzText {
  const payload = fc.constantFrom(...payloads(canary));
  const awkward = fc.constantFrom(...AWKWARD_PROPERTY_NAMES);
  const long = fc.tuple(fc.integer({ min: 200, max: 1200 }), fc.constantFrom("a", "é", "😀", "*/", "\\", '"', "\n", "A_")).map(([n, s]) => s.repeat(n));
  const text = fc.oneof(
    { weight: 3, arbitrary: payload },
    { weight: 3, arbitrary: awkward },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 3 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom("*", "/", "\\", '"', "'", "`", "$", "{", "}", "\n", "\r", "\u2028", "@", " ", "<", ">"), maxLength: 8 }) },
    { weight: 1, arbitrary: fc.tuple(fc.nat(999), ordinaryName).map(([n, s]) => `${n}${s}`) },
    { weight: 1, arbitrary: long },
    { weight: 1, arbitrary: fc.tuple(ordinaryName, payload, ordinaryName).map(([a, p, b]) => `${a}${p}${b}`) },
  );
  const propertyName = fc.oneof({ weight: 5, arbitrary: ordinaryName }, { weight: 4, arbitrary: text });
  return { text, propertyName, payload };
}

/** JSON scalars of every type, including numbers JSON cannot write (YAML can: .nan, .inf). */
export const scalar: fc.Arbitrary<Json> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1, -1, 1.5, 2 ** 53 + 2, -(2 ** 63), 1e308, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 6 }),
);

/** Any JSON value, `text` among its strings. */
export function anyJson(text: fc.Arbitrary<string>): fc.Arbitrary<Json> {
  return fc.letrec<{ v: Json }>((tie) => ({
    v: fc.oneof(
      { depthSize: "small", maxDepth: 3 },
      { weight: 4, arbitrary: scalar },
      { weight: 2, arbitrary: text },
      { weight: 1, arbitrary: fc.array(tie("v"), { maxLength: 3 }) },
      { weight: 1, arbitrary: fc.uniqueArray(fc.tuple(text, tie("v")), { selector: (e) => e[0], maxLength: 3 }).map(entries) },
    ),
  })).v;
}

// ---- Names -----------------------------------------------------------------

/** Names as the API server sees them: valid, valid but awkward, and invalid. */
export interface FuzzNames {
  readonly kind: fc.Arbitrary<string>;
  readonly label: fc.Arbitrary<string>;
  readonly group: fc.Arbitrary<string>;
  readonly version: fc.Arbitrary<string>;
}

const label = fc.stringMatching(/^[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/);
const validLabel = fc.oneof({ weight: 3, arbitrary: label }, { weight: 1, arbitrary: fc.constantFrom(...AWKWARD_LABELS) });
const validKind = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(label, fc.array(fc.boolean(), { minLength: 12, maxLength: 12 })).map(([l, up]) => [...l].map((c, i) => (up[i] ? c.toUpperCase() : c)).join("")) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z][a-z]{1,8}([A-Z][a-z]{1,6})?$/) },
  { weight: 2, arbitrary: fc.constantFrom(...AWKWARD_KINDS) },
);
const validGroup = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,6}[a-z0-9])?$/), { minLength: 2, maxLength: 4 }).map((ls) => ls.join(".")) },
  { weight: 1, arbitrary: fc.constantFrom(...AWKWARD_GROUPS) },
);
const validVersion = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^v[0-9]{1,2}((alpha|beta)[0-9]{1,2})?$/) },
  { weight: 1, arbitrary: validLabel },
);

export function fuzzNames(t: FuzzText, hostile = true): FuzzNames {
  const mostly = chooser(hostile);
  const invalid = fc.oneof(
    t.text,
    fc.constantFrom("", "Foo_Bar", "1foo", "-a", "a-", "a..b", ".a", "A", "a b", "a/b", "a".repeat(64), "ü", "a\n", "a.", "V1", "v1.0"),
    validLabel.map((s) => `${s}_`),
    validLabel.map((s) => s.toUpperCase()),
  );
  return {
    kind: mostly(validKind, invalid),
    label: mostly(validLabel, invalid),
    group: mostly(validGroup, fc.oneof(invalid, validLabel)),
    version: mostly(validVersion, invalid),
  };
}

/** A valid name of each kind (for documents that should get past name validation). */
export const valid = { kind: validKind, label: validLabel, group: validGroup, version: validVersion };

// ---- Schemas ---------------------------------------------------------------

export interface SchemaOptions {
  /** Nesting limit of the schema arbitrary. */
  readonly maxDepth: number;
  /** Values of the wrong type and invalid markers too (default true). */
  readonly hostile?: boolean;
  /** `$ref` targets (OpenAPI documents), besides dangling ones. */
  readonly refs?: readonly string[];
}

const FORMATS = ["int32", "int64", "float", "double", "byte", "binary", "date", "date-time", "duration", "password", "uuid", "quantity", "int-or-string", "email", "uri", "hostname", "ipv4", "cidr"];

/** An OpenAPI v3 schema (with invalid values mixed in). */
export function schemaArb(t: FuzzText, opts: SchemaOptions): fc.Arbitrary<Json> {
  const hostile = opts.hostile ?? true;
  const mostly = chooser(hostile);
  const json = anyJson(t.text);
  const names = fc.array(t.propertyName, { maxLength: 3 });
  const docs = {
    description: t.text,
    title: t.text,
    default: json,
    example: json,
    nullable: mostly(fc.boolean(), scalar),
    "x-kubernetes-validations": mostly(fc.array(fc.record({ rule: t.text, message: t.text }, { requiredKeys: ["rule"] }), { maxLength: 2 }), json),
  };
  const refArb =
    opts.refs && opts.refs.length > 0
      ? fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...opts.refs) },
          { weight: 1, arbitrary: fc.constantFrom("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "#/definitions/nope", "#/components/schemas/x", "#/definitions/%zz", "http://example.com/x", "") },
          { weight: 1, arbitrary: t.text },
        )
      : undefined;
  return fc.letrec<{ schema: Json }>((tie) => {
    const props = fc.uniqueArray(fc.tuple(t.propertyName, tie("schema")), { selector: (e) => e[0], maxLength: 4 }).map(entries);
    const scalarSchema = fc.record(
      {
        type: mostly(fc.constantFrom("string", "integer", "number", "boolean"), fc.oneof(t.text, scalar, fc.constant(["string", "null"]))),
        format: fc.oneof(fc.constantFrom(...FORMATS), t.text),
        enum: mostly(fc.array(fc.oneof(t.text, scalar), { minLength: 1, maxLength: 4 }), json),
        pattern: t.text,
        minimum: mostly(fc.integer(), json),
        maxLength: mostly(fc.nat(100), json),
        "x-kubernetes-int-or-string": mostly(fc.boolean(), json),
        ...docs,
      },
      { requiredKeys: ["type"] },
    );
    const objectSchema = fc.record(
      {
        type: fc.constant("object"),
        properties: props,
        required: mostly(names, json),
        additionalProperties: fc.oneof(fc.boolean(), tie("schema")),
        "x-kubernetes-preserve-unknown-fields": mostly(fc.boolean(), json),
        "x-kubernetes-embedded-resource": mostly(fc.boolean(), json),
        "x-kubernetes-map-type": mostly(fc.constantFrom("atomic", "granular"), fc.oneof(t.text, scalar)),
        ...docs,
      },
      { requiredKeys: ["type", "properties"] },
    );
    const arraySchema = fc.record(
      {
        type: fc.constant("array"),
        items: tie("schema"),
        "x-kubernetes-list-type": mostly(fc.constantFrom("atomic", "set", "map"), fc.oneof(t.text, scalar)),
        "x-kubernetes-list-map-keys": mostly(names, json),
        uniqueItems: mostly(fc.boolean(), json),
        maxItems: mostly(fc.nat(10), json),
        ...docs,
      },
      { requiredKeys: ["type", "items"] },
    );
    const mapSchema = fc.record(
      { type: fc.constant("object"), additionalProperties: fc.oneof(fc.constant(true), tie("schema")), ...docs },
      { requiredKeys: ["type", "additionalProperties"] },
    );
    const union = fc
      .tuple(fc.constantFrom("allOf", "anyOf", "oneOf"), fc.array(tie("schema"), { minLength: 1, maxLength: 3 }), fc.option(fc.constantFrom("object", "string")), fc.option(t.text, { nil: undefined }))
      .map(([k, list, type, description]): Json => ({ ...(type ? { type } : {}), [k]: list, ...(description !== undefined ? { description } : {}) }));
    const intOrString = fc.constant<Json>({ anyOf: [{ type: "integer" }, { type: "string" }], "x-kubernetes-int-or-string": true });
    const not = tie("schema").map((s): Json => ({ not: s }));
    const preserve = fc.constant<Json>({ type: "object", "x-kubernetes-preserve-unknown-fields": true });
    const ref = refArb ? fc.tuple(refArb, fc.option(t.text, { nil: undefined })).map(([r, d]): Json => ({ $ref: r, ...(d !== undefined ? { description: d } : {}) })) : undefined;
    /** A value of the wrong JSON type where a schema or a keyword's value belongs. */
    const junk = fc.oneof(
      scalar,
      fc.array(scalar, { maxLength: 2 }),
      fc.constantFrom<Json>({ type: 7 }, { properties: [] }, { items: [{ type: "string" }] }, { type: [] }, { enum: "a" }, { required: "a" }, { additionalProperties: "yes" }, { allOf: {} }),
    );
    return {
      schema: fc.oneof(
        { depthSize: "small", maxDepth: opts.maxDepth, depthIdentifier: "schema" },
        { weight: 4, arbitrary: scalarSchema as fc.Arbitrary<Json> },
        { weight: 1, arbitrary: fc.constant<Json>({}) },
        { weight: 1, arbitrary: intOrString },
        { weight: 1, arbitrary: preserve },
        ...(hostile ? [{ weight: 1, arbitrary: junk }] : []),
        ...(ref ? [{ weight: 3, arbitrary: ref }] : []),
        { weight: 3, arbitrary: objectSchema as fc.Arbitrary<Json> },
        { weight: 2, arbitrary: arraySchema as fc.Arbitrary<Json> },
        { weight: 2, arbitrary: mapSchema as fc.Arbitrary<Json> },
        { weight: 1, arbitrary: union },
        { weight: 1, arbitrary: not },
      ),
    };
  }).schema;
}

// ---- CRDs ------------------------------------------------------------------

/** A CRD document with a random schema per version; names valid or not, metadata.name usually consistent. */
export function crdArb(t: FuzzText, names: FuzzNames, schema: fc.Arbitrary<Json>, hostile = true): fc.Arbitrary<JsonObject> {
  const mostly = chooser(hostile);
  const version = fc.record(
    {
      name: names.version,
      served: mostly(fc.boolean(), scalar),
      storage: fc.boolean(),
      deprecated: fc.boolean(),
      subresources: mostly(
        fc.record(
          {
            status: fc.constant({}),
            scale: fc.record({ specReplicasPath: fc.constant(".spec.replicas"), statusReplicasPath: fc.constant(".status.replicas"), labelSelectorPath: t.text }, { requiredKeys: ["specReplicasPath", "statusReplicasPath"] }),
          },
          { requiredKeys: [] },
        ),
        anyJson(t.text),
      ),
      spec: schema,
      status: schema,
      extra: fc.uniqueArray(fc.tuple(t.propertyName, schema), { selector: (e) => e[0], maxLength: 2 }).map(entries),
      rootMarkers: fc.record({ description: t.text, "x-kubernetes-preserve-unknown-fields": fc.boolean() }, { requiredKeys: [] }),
      printerColumns: fc.option(fc.array(fc.record({ name: t.text, type: fc.constantFrom("string", "integer"), jsonPath: t.text }), { maxLength: 2 }), { nil: undefined }),
    },
    { requiredKeys: ["name", "served", "storage", "spec"] },
  );
  return fc
    .record({
      group: names.group,
      kind: names.kind,
      plural: names.label,
      singular: fc.option(names.label, { nil: undefined }),
      listKind: fc.option(names.kind, { nil: undefined }),
      shortNames: fc.option(fc.array(names.label, { maxLength: 2 }), { nil: undefined }),
      categories: fc.option(fc.array(names.label, { maxLength: 2 }), { nil: undefined }),
      scope: mostly(fc.constantFrom("Namespaced", "Cluster"), fc.oneof(t.text, scalar)),
      metadataName: hostile ? fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: t.text }) : fc.constant(undefined),
      versions: fc.array(version, { minLength: 1, maxLength: 3 }),
      storageFixed: hostile ? fc.boolean() : fc.constant(true),
    })
    .map((c): JsonObject => {
      const versions = c.versions.map((v, i): JsonObject => {
        const properties: JsonObject = { ...v.extra };
        properties["spec"] = v.spec;
        if (v.status !== undefined) properties["status"] = v.status;
        return {
          name: v.name,
          served: v.served,
          // Usually exactly one storage version (the first), as the API server requires.
          storage: c.storageFixed ? i === 0 : v.storage,
          ...(v.deprecated !== undefined ? { deprecated: v.deprecated } : {}),
          ...(v.subresources !== undefined ? { subresources: v.subresources } : {}),
          ...(v.printerColumns ? { additionalPrinterColumns: v.printerColumns } : {}),
          schema: { openAPIV3Schema: { type: "object", ...v.rootMarkers, properties } },
        };
      });
      const namesMap: JsonObject = { kind: c.kind, plural: c.plural };
      if (c.singular !== undefined) namesMap["singular"] = c.singular;
      if (c.listKind !== undefined) namesMap["listKind"] = c.listKind;
      if (c.shortNames !== undefined) namesMap["shortNames"] = c.shortNames;
      if (c.categories !== undefined) namesMap["categories"] = c.categories;
      return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: c.metadataName ?? `${c.plural}.${c.group}` },
        spec: { group: c.group, scope: c.scope, names: namesMap, versions },
      };
    });
}

// ---- OpenAPI documents -----------------------------------------------------

interface GvPlan {
  readonly group: string;
  readonly version: string;
  readonly kinds: { readonly kind: string; readonly plural: string; readonly list: boolean; readonly namespaced: boolean; readonly status: boolean }[];
  readonly plain: string[];
}

/** The reversed-group package of a group-version, as kube-openapi names CRD definitions (`com.example.v1`). */
function packageOf(group: string, version: string): string {
  if (group === "") return `io.k8s.api.core.${version}`;
  return `${group.split(".").reverse().join(".")}.${version}`;
}

/**
 * A swagger 2.0 (or OpenAPI 3) document: a few group-versions, each with kinds
 * (GVK-marked definitions with apiVersion/kind/metadata, often a List type and
 * resource paths with x-kubernetes-action) and plain definitions, whose schemas
 * refer to each other. Names are valid or not; a few definitions get hostile names.
 */
export function openApiArb(t: FuzzText, names: FuzzNames, schemaDepth: number, hostile = true): fc.Arbitrary<{ v3: boolean; doc: JsonObject }> {
  const mostly = chooser(hostile);
  const typeName = fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[A-Z][a-zA-Z0-9]{0,10}$/) }, { weight: 1, arbitrary: fc.constantFrom(...AWKWARD_KINDS) });
  const gv = fc.record({
    group: fc.oneof({ weight: 1, arbitrary: fc.constant("") }, { weight: 4, arbitrary: names.group }),
    version: names.version,
    kinds: fc.uniqueArray(
      fc.record({ kind: mostly(typeName, names.kind), plural: names.label, list: fc.boolean(), namespaced: fc.boolean(), status: fc.boolean() }),
      { selector: (k) => k.kind, minLength: 0, maxLength: 2 },
    ),
    plain: fc.uniqueArray(typeName, { maxLength: 2 }),
  });
  return fc
    .record({
      gvs: fc.array(gv, { minLength: 1, maxLength: 2 }),
      hostileDefinitions: hostile ? fc.array(t.text, { maxLength: 1 }) : fc.constant([]),
      v3: fc.boolean(),
    })
    .chain(({ gvs, hostileDefinitions, v3 }) => {
      const prefix = v3 ? "#/components/schemas/" : "#/definitions/";
      const defNames: string[] = [];
      for (const g of gvs as GvPlan[]) {
        const pkg = packageOf(g.group, g.version);
        for (const k of g.kinds) {
          defNames.push(`${pkg}.${k.kind}`);
          if (k.list) defNames.push(`${pkg}.${k.kind}List`);
        }
        for (const p of g.plain) defNames.push(`${pkg}.${p}`);
      }
      defNames.push(...hostileDefinitions);
      if (defNames.length === 0) defNames.push("com.example.v1.Empty");
      // A ref escapes its name as a JSON pointer in a URI fragment; a lone surrogate cannot be %-encoded, and is kept as it is.
      const escape = (n: string): string => {
        try {
          return encodeURIComponent(n.replace(/~/g, "~0").replace(/\//g, "~1"));
        } catch {
          return n;
        }
      };
      const refs = defNames.map((n) => `${prefix}${escape(n)}`);
      const schema = schemaArb(t, { maxDepth: schemaDepth, refs, hostile });
      const unique = [...new Set(defNames)];
      return fc.tuple(fc.array(schema, { minLength: unique.length, maxLength: unique.length }), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 })).map(([schemas, flags]) => {
        const meta = (n: string) => ({ $ref: `${prefix}io.k8s.apimachinery.pkg.apis.meta.v1.${n}` });
        const definitions: Record<string, Json> = {};
        const paths: Record<string, Json> = {};
        const bodyOf = new Map(unique.map((n, i) => [n, schemas[i] as Json]));
        for (const g of gvs as GvPlan[]) {
          const pkg = packageOf(g.group, g.version);
          const base = g.group === "" ? `/api/${g.version}` : `/apis/${g.group}/${g.version}`;
          for (const k of g.kinds) {
            const gvk = [{ group: g.group, version: g.version, kind: k.kind }];
            definitions[`${pkg}.${k.kind}`] = {
              type: "object",
              "x-kubernetes-group-version-kind": gvk,
              properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: meta("ObjectMeta"), spec: bodyOf.get(`${pkg}.${k.kind}`) ?? {}, ...(k.status ? { status: { type: "object", properties: { phase: { type: "string" } } } } : {}) },
            };
            if (k.list) {
              definitions[`${pkg}.${k.kind}List`] = {
                type: "object",
                "x-kubernetes-group-version-kind": [{ group: g.group, version: g.version, kind: `${k.kind}List` }],
                required: ["items"],
                properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: meta("ListMeta"), items: { type: "array", items: { $ref: `${prefix}${pkg}.${k.kind}` } } },
              };
            }
            const ns = k.namespaced ? "/namespaces/{namespace}" : "";
            const op = (action: string, extra: JsonObject = {}): JsonObject => ({ "x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk[0]!, responses: { "200": { description: "OK" } }, ...extra });
            paths[`${base}${ns}/${k.plural}`] = { get: op("list"), post: op("post"), ...(flags[0] ? { delete: op("deletecollection") } : {}) };
            paths[`${base}${ns}/${k.plural}/{name}`] = { get: op("get"), put: op("put"), patch: op("patch"), delete: op("delete") };
            if (flags[1]) paths[`${base}/watch${ns}/${k.plural}`] = { get: op("watchlist") };
            if (k.status) paths[`${base}${ns}/${k.plural}/{name}/status`] = { get: op("get"), put: op("put"), patch: op("patch") };
            if (flags[2]) paths[`${base}${ns}/${k.plural}/{name}/log`] = { get: op("get", { responses: { "200": { description: "OK", schema: { type: "string" } } } }) };
          }
          for (const p of g.plain) definitions[`${pkg}.${p}`] = bodyOf.get(`${pkg}.${p}`) ?? {};
        }
        for (const h of hostileDefinitions) definitions[h] = bodyOf.get(h) ?? {};
        if (Object.keys(definitions).length === 0) definitions["com.example.v1.Empty"] = bodyOf.get("com.example.v1.Empty") ?? {};
        const doc: JsonObject = v3
          ? { openapi: "3.0.0", info: { title: "fuzz", version: "v1" }, paths, components: { schemas: definitions } }
          : { swagger: "2.0", info: { title: "fuzz", version: "v1" }, paths, definitions };
        return { v3, doc };
      });
    });
}
