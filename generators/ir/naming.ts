// Every name kubegen derives lives here: module folders, accessors, type
// names for OpenAPI definitions and hoisted CRD sub-schemas, collision
// suffixes, and property keys. Emitters and templates never build names.
// Group and accessor rules follow client-go's (code-generator's namers):
// `apps/v1` -> `appsV1`, `networking.k8s.io/v1` -> `networkingV1`.

import type { GroupVersionNames } from "./types.js";

/** Upper-cases the first character. */
export function upperFirst(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

/** Lower-cases the first character. */
export function lowerFirst(s: string): string {
  return s.length === 0 ? s : s[0]!.toLowerCase() + s.slice(1);
}

/**
 * PascalCase for a wire name: splits on anything that is not a letter or digit
 * and upper-cases the first letter of each part, keeping the rest as written
 * (`proxyURL` -> `ProxyURL`, `mirror_percent` -> `MirrorPercent`, `x-foo` -> `XFoo`).
 */
export function pascalCase(s: string): string {
  const out = s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map(upperFirst)
    .join("");
  return out === "" ? "X" : /^[0-9]/.test(out) ? `X${out}` : out;
}

/** camelCase for a wire name (`cert-manager` -> `certManager`). */
export function camelCase(s: string): string {
  return lowerFirst(pascalCase(s));
}

/** True for groups that follow Kubernetes' own naming (no dot, or under k8s.io). */
function isKubernetesStyleGroup(group: string): boolean {
  return !group.includes(".") || group.endsWith(".k8s.io");
}

function firstLabel(group: string): string {
  return group === "" ? "core" : group.split(".")[0]!;
}

/**
 * Group folders that look like files to Node, TypeScript or the output's own
 * root (`index.ts`, `fake.ts`, `package.json`, `tsconfig.json`) take a `_`,
 * which no group name has, so they never shadow a file or clash with a group.
 */
const FILE_LIKE = /\.(?:[cm]?[jt]s|[jt]sx|json|node)$/i;

/**
 * Names for every group-version of one run. A group's short name is its first
 * DNS label (`core` for the legacy group). When two groups in the run share a
 * short name, the one that is not Kubernetes-style (or both) use the whole
 * group instead, so names never collide and never depend on input order.
 */
export function groupVersionNames(group: string, version: string, allGroups: Iterable<string>): GroupVersionNames {
  const short = firstLabel(group);
  const clashes = [...new Set(allGroups)].filter((g) => g !== group && firstLabel(g) === short);
  const keepShort = clashes.length === 0 || (isKubernetesStyleGroup(group) && clashes.every((g) => !isKubernetesStyleGroup(g)));
  const accessorBase = keepShort ? camelCase(short) : camelCase(group);
  const named = keepShort && isKubernetesStyleGroup(group) ? short : group;
  const folder = FILE_LIKE.test(named) ? `${named}_` : named;
  const accessor = accessorBase + pascalCase(version);
  return {
    modulePath: `${folder}/${version}`,
    accessor,
    typePrefix: upperFirst(accessor),
    apiVersion: group === "" ? version : `${group}/${version}`,
  };
}

/** Kubernetes' own definition packages whose group is not in a GVK. */
const PACKAGE_GROUPS: Record<string, { group: string; version: string }> = {
  "io.k8s.apimachinery.pkg.apis.meta.v1": { group: "meta.k8s.io", version: "v1" },
  "io.k8s.apimachinery.pkg.version": { group: "meta.k8s.io", version: "v1" },
};

/** The package part of a definition name (`io.k8s.api.apps.v1.Deployment` -> `io.k8s.api.apps.v1`). */
export function definitionPackage(definition: string): string {
  const i = definition.lastIndexOf(".");
  return i < 0 ? "" : definition.slice(0, i);
}

/** The type name of a definition: its last dotted segment, made an identifier. */
export function definitionTypeName(definition: string): string {
  const i = definition.lastIndexOf(".");
  return pascalCase(i < 0 ? definition : definition.slice(i + 1));
}

/** A fixed group for well-known packages with no GVK of their own. */
export function knownPackageGroup(pkg: string): { group: string; version: string } | undefined {
  return Object.hasOwn(PACKAGE_GROUPS, pkg) ? PACKAGE_GROUPS[pkg] : undefined;
}

/**
 * A group-version guessed from a package name when no definition in the
 * package carries a GVK: `io.k8s.api.<group>.<version>` (with `.k8s.io`
 * appended to dotless groups that are not legacy ones), otherwise the
 * reversed-domain form the API server uses for CRDs
 * (`com.example.stable.v1` -> `stable.example.com/v1`).
 */
export function guessPackageGroup(pkg: string): { group: string; version: string } {
  const parts = pkg.split(".");
  const version = parts[parts.length - 1] ?? "v1";
  const g = parts[parts.length - 2] ?? "";
  const legacy = new Set(["core", "apps", "batch", "autoscaling", "policy"]);
  if (pkg.startsWith("io.k8s.api.")) return { group: g === "core" ? "" : legacy.has(g) ? g : `${g}.k8s.io`, version };
  // The API server names CRD definitions by the reversed group: com.example.stable.v1.CronTab.
  return { group: parts.slice(0, -1).reverse().join("."), version };
}

/** `DeploymentList` for `Deployment`. */
export function listKindName(kind: string): string {
  return `${kind}List`;
}

/** The TypeScript type name of a kind (kinds are usually PascalCase already). */
export function kindTypeName(kind: string): string {
  return pascalCase(kind);
}

/**
 * The full-path name of an inline OpenAPI object hoisted to its own type: the
 * owning type followed by each property on the path in PascalCase. Array
 * items and map values add nothing; union branches add `Option<n>`. (CRD
 * sub-schemas use the shorter {@link sharedHoistedNames}.)
 */
export function hoistedTypeName(kind: string, path: readonly string[]): string {
  return kindTypeName(kind) + path.map(pascalCase).join("");
}

/** The name of union branch `i` (1-based) under a path. */
export function unionBranchSegment(i: number): string {
  return `Option${i}`;
}

/**
 * Returns `base` if it is free, else `base2`, `base3`, ...; records the
 * result in `taken`. Callers visit candidates in a stable order (by JSON
 * pointer), so the suffixes are deterministic.
 */
export function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
  taken.add(name);
  return name;
}

/** One place a hoisted CRD sub-schema is used: the kind's type name and the property path below the kind. */
export interface HoistedUse {
  readonly kind: string;
  readonly path: readonly string[];
}

/** The PascalCase words of a type name (`HTTPRoute` -> `HTTP`, `Route`). */
function words(name: string): string[] {
  return name.match(/[A-Z]+(?![a-z])|[A-Z][a-z0-9]*|[a-z0-9]+/g) ?? [name];
}

/** The longest run of words every list ends with (or, with `fromStart`, starts with). */
function commonWords(lists: readonly (readonly string[])[], fromStart: boolean): string[] {
  const first = lists[0] ?? [];
  const at = (l: readonly string[], i: number): string | undefined => (fromStart ? l[i] : l[l.length - 1 - i]);
  let n = 0;
  while (n < first.length && lists.every((l) => n < l.length && at(l, n) === at(first, n))) n++;
  return fromStart ? first.slice(0, n) : first.slice(first.length - n);
}

/**
 * The owner part of a hoisted type's name: its kind when one kind uses it;
 * for a type several kinds share, the words their names end with
 * (`ClusterIssuer` + `Issuer` -> `Issuer`, `HTTPRoute` + `GRPCRoute` ->
 * `Route`), else the words they start with, else `fallback` (the group's
 * first label: `Monitoring` for monitoring.coreos.com, whatever else the run
 * holds).
 */
function ownerOf(kinds: readonly string[], fallback: string): string {
  const distinct = [...new Set(kinds.map(kindTypeName))].sort();
  if (distinct.length === 1) return distinct[0]!;
  const split = distinct.map(words);
  const tail = commonWords(split, false);
  if (tail.length > 0) return tail.join("");
  const head = commonWords(split, true);
  return head.length > 0 ? head.join("") : fallback;
}

/**
 * The path part of a hoisted type's name before shortening: a root segment
 * that is always kept, then the tail that shortening cuts from the left.
 * - one use: the path (`spec` is the root of `spec.acme.solvers`);
 * - several uses: the longest tail all of them end with, after their shared
 *   first property if they have one (`spec.steps[].computeResources` and
 *   `spec.stepTemplate.computeResources` -> root `Spec`, tail
 *   `ComputeResources`);
 * - several uses ending differently: the first use in path order (fewest
 *   properties first, then by name).
 */
function namingPath(uses: readonly HoistedUse[]): { root?: string; tail: string[] } {
  const ps = uses.map((u) => u.path.map(pascalCase)).filter((p) => p.length > 0);
  if (ps.length === 0) return { tail: [] };
  const whole = (p: readonly string[]): { root?: string; tail: string[] } => (p.length > 1 ? { root: p[0]!, tail: p.slice(1) } : { tail: [...p] });
  const tail = commonWords(ps, false);
  if (tail.length === 0) {
    const first = [...ps].sort((a, b) => a.length - b.length || compare(a.join("\u0000"), b.join("\u0000")))[0]!;
    return whole(first);
  }
  if (ps.some((p) => p.length === tail.length)) return whole(tail);
  const root = ps.every((p) => p[0] === ps[0]![0]) ? ps[0]![0]! : undefined;
  return root !== undefined ? { root, tail } : { tail };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Base names (before collision suffixes) for the hoisted sub-schemas of one
 * group-version's CRDs, each given with every place it is used. The rule:
 * owner (see ownerOf: the kind, or what the sharing kinds' names have in
 * common) + root + the shortest tail of the naming path (see namingPath) that
 * no other type of the same owner shares (`ClusterIssuer` +
 * `spec.acme.solvers.dns01.route53` -> `ClusterIssuerSpecRoute53` when only one
 * `route53` exists), or the whole naming path when no tail is unique. Names
 * depend only on the set of uses, never on the order of the input, of the
 * CRDs or of their properties; the result is parallel to `types`.
 */
export function sharedHoistedNames(types: readonly (readonly HoistedUse[])[], group: string): string[] {
  const fallbackOwner = pascalCase(group.split(".")[0] || "core");
  const entries = types.map((uses) => ({ owner: ownerOf(uses.map((u) => u.kind), fallbackOwner), ...namingPath(uses) }));
  const candidate = (e: (typeof entries)[number], k: number): string => (e.root ?? "") + e.tail.slice(Math.max(0, e.tail.length - k)).join("");
  const byOwner = new Map<string, number[]>();
  entries.forEach((e, i) => byOwner.set(e.owner, [...(byOwner.get(e.owner) ?? []), i]));
  return entries.map((e, i) => {
    const peers = byOwner.get(e.owner)!.filter((j) => j !== i);
    for (let k = 1; k <= e.tail.length; k++) {
      const mine = candidate(e, k);
      if (!peers.some((j) => candidate(entries[j]!, k) === mine)) return e.owner + mine;
    }
    return e.owner + candidate(e, e.tail.length);
  });
}

/**
 * Names for the hoisted sub-schemas of one kind, each used once (see
 * {@link sharedHoistedNames}): the kind, the first property on the path
 * (`Spec`, `Status`), then the shortest unambiguous tail. `paths` must be in a
 * stable order; the result is parallel to it.
 */
export function shortHoistedNames(kind: string, paths: readonly (readonly string[])[]): string[] {
  return sharedHoistedNames(
    paths.map((path) => [{ kind, path }]),
    "",
  );
}

/**
 * The clientset getter of a resource: the plural, cased like the kind where
 * they share a prefix (`horizontalpodautoscalers` + `HorizontalPodAutoscaler`
 * -> `horizontalPodAutoscalers`, `networkpolicies` -> `networkPolicies`).
 */
export function resourceGetterName(kind: string, plural: string): string {
  let common = 0;
  while (common < kind.length && common < plural.length && kind[common]!.toLowerCase() === plural[common]) common++;
  const cased = kind.slice(0, common) + plural.slice(common);
  return camelCase(lowerFirst(cased));
}

/**
 * Names a resource getter must not take besides every object's members: those of a group-version
 * client, and `new`, which an interface member (`new(namespace: string)` in a lister) would turn
 * into a construct signature.
 */
const GROUP_CLIENT_MEMBERS = ["executor", "forConfig", "new"];

/**
 * The clientset getter of every resource of a group-version, in order: the
 * resourceGetterName, suffixed (`constructor2`) when it is taken by another
 * resource or would clash with a member of the client class or of every object.
 * The plan (ir/plan.ts) derives them once; clients, listers and informers read them there.
 */
export function resourceGetters(resources: readonly { readonly kind: string; readonly plural: string }[]): string[] {
  const taken = new Set<string>([...OBJECT_MEMBERS, ...GROUP_CLIENT_MEMBERS]);
  return resources.map((r) => uniqueName(resourceGetterName(r.kind, r.plural), taken));
}

/** Names of the classes and constants emitted for one resource's typed client. */
export interface ResourceClientNames {
  /** The getter on the group-version client, e.g. `deployments`. */
  readonly getter: string;
  /** The exported client interface, e.g. `DeploymentsClient`. */
  readonly clientType: string;
  /** The module-private implementation class (only when the resource has extra methods). */
  readonly implClass: string;
  /** The module-private ResourceInfo constant. */
  readonly infoConst: string;
}

/** Client names for a resource whose getter is `getter`. */
export function resourceClientNames(getter: string): ResourceClientNames {
  const p = upperFirst(getter);
  return { getter, clientType: `${p}Client`, implClass: `${p}ClientImpl`, infoConst: `${getter}Resource` };
}

/** The group-version client class, e.g. `AppsV1Client`. */
export function groupClientClassName(names: GroupVersionNames): string {
  return `${names.typePrefix}Client`;
}

/** Subresource words that are two words on the wire without a separator. */
const SUBRESOURCE_WORDS: Record<string, string> = { ephemeralcontainers: "EphemeralContainers" };

/**
 * A subresource call's method name: the verb then the subresource
 * (`getScale`, `updateScale`, `applyScale`, `createEviction`, `createToken`, `getLog`,
 * `updateEphemeralContainers`), as client-go's generic names go.
 */
export function subresourceMethodName(verb: "get" | "create" | "update" | "apply", subresource: string): string {
  return verb + ((Object.hasOwn(SUBRESOURCE_WORDS, subresource) ? SUBRESOURCE_WORDS[subresource] : undefined) ?? pascalCase(subresource));
}

/** Names emitted for one resource's lister (client-go listers/<group>/<version>/<kind>.go). */
export interface ListerNames {
  /** The exported lister interface, e.g. `DeploymentLister`. */
  readonly lister: string;
  /** The exported one-namespace lister type, e.g. `DeploymentNamespaceLister`. */
  readonly namespaceLister: string;
  /** The module-private implementation class (namespaced resources only). */
  readonly listerImpl: string;
  /** The exported constructor function, e.g. `newDeploymentLister`. */
  readonly newLister: string;
  /** The module-private ListerResource constant, e.g. `deploymentsListerResource`. */
  readonly resourceConst: string;
  /** The exported informer interface (`{ informer, lister }`), e.g. `DeploymentInformer`. */
  readonly informer: string;
}

/**
 * Lister and informer names for a resource whose kind type is `typeName` and
 * whose clientset getter is `getter`, as client-go names them.
 */
export function listerNames(typeName: string, getter: string): ListerNames {
  return {
    lister: `${typeName}Lister`,
    namespaceLister: `${typeName}NamespaceLister`,
    listerImpl: `${typeName}ListerImpl`,
    newLister: `new${typeName}Lister`,
    resourceConst: `${getter}ListerResource`,
    informer: `${typeName}Informer`,
  };
}

/** Members of the runtime's ResourceLister that a generated lister's namespace accessor must not shadow. */
const LISTER_MEMBERS = ["list", "get", "getOrThrow", "namespace", "indexer", "resource"];

/**
 * The lister's one-namespace accessor: the clientset getter
 * (`lister.deployments("ns")`), suffixed in the rare case that it would
 * shadow a member of the runtime's ResourceLister.
 */
export function listerNamespaceAccessor(getter: string): string {
  return uniqueName(getter, new Set(LISTER_MEMBERS));
}

/** The group-version informers class, e.g. `AppsV1Informers` (client-go informers/apps/v1 Interface). */
export function groupInformersClassName(names: GroupVersionNames): string {
  return `${names.typePrefix}Informers`;
}

/** The apply-configuration builder class of a type (client-go `DeploymentApplyConfiguration`). */
export function applyConfigurationName(typeName: string): string {
  return `${typeName}ApplyConfiguration`;
}

/**
 * The builder class of every type of a group-version, by type name:
 * `<Type>ApplyConfiguration`, suffixed (`...ApplyConfiguration2`) when a type
 * of the module already has that name (a property `applyConfiguration`
 * hoists one), since the module index exports both.
 */
export function builderClassNames(typeNames: readonly string[]): Map<string, string> {
  const taken = new Set(typeNames);
  return new Map(typeNames.map((t) => [t, uniqueName(applyConfigurationName(t), taken)]));
}

/** Words a function cannot be named (reserved in strict-mode ES modules). */
const RESERVED = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "implements import in instanceof interface let new null package private protected public return static super switch this " +
    "throw true try typeof var void while with yield await arguments eval").split(" "),
);

/**
 * The builder factory of a type: the type name, lower-cased first
 * (`deployment`, `deploymentSpec`, `container`); reserved words get a `_`.
 */
export function builderFactoryName(typeName: string): string {
  const name = lowerFirst(typeName);
  return RESERVED.has(name) ? `${name}_` : name;
}

/**
 * Module-level names of the apply configurations that no export may take: the
 * import aliases of their files (`rt`, `t`), the folder's schema table, and `then`, since a module
 * that exports `then` is a thenable and `await import()` of it never settles.
 */
const APPLY_MODULE_NAMES = ["rt", "t", "applySchema", "then"];

/**
 * The exported functions and constants of one group-version's apply
 * configurations: the builder factory of each type (builderFactoryName), then
 * the extraction functions of each kind (extractFunctionName, with `status`
 * for the status subresource), then each type's apply-schema struct
 * (applyStructName), all unique in the module and clear of `moduleAliases` (the
 * model's module accessors, which the module imports other modules as).
 * Suffixed (`then2`, `coreV12`) where they would clash.
 */
export function applyModuleFunctions(
  typeNames: readonly string[],
  extracts: readonly { readonly typeName: string; readonly status: boolean }[],
  moduleAliases: Iterable<string>,
): {
  factories: Map<string, string>;
  extracts: Map<string, { main: string; status?: string }>;
  schemas: Map<string, string>;
} {
  const taken = new Set<string>([...APPLY_MODULE_NAMES, ...moduleAliases]);
  const factories = new Map(typeNames.map((t) => [t, uniqueName(builderFactoryName(t), taken)]));
  const fns = new Map(
    extracts.map((e) => {
      const main = uniqueName(extractFunctionName(e.typeName), taken);
      return [e.typeName, e.status ? { main, status: uniqueName(extractFunctionName(e.typeName, "status"), taken) } : { main }];
    }),
  );
  const schemas = new Map(typeNames.map((t) => [t, uniqueName(applyStructName(t), taken)]));
  return { factories, extracts: fns, schemas };
}

/** The exported apply-schema struct of a type (`deploymentSpecApplySchema`), before collision suffixes. */
export function applyStructName(typeName: string): string {
  return `${lowerFirst(typeName)}ApplySchema`;
}

/**
 * Base names a type's file may not take: the folder's own `index`, and the
 * device names Windows reserves whatever the extension (`con.ts` cannot be
 * created there).
 */
const RESERVED_FILE_NAMES = new Set([
  "index", "con", "prn", "aux", "nul",
  ..."123456789".split("").flatMap((d) => [`com${d}`, `lpt${d}`]),
]);

/** The longest base name a type's file gets (before a collision suffix); the rest is cut. */
const MAX_FILE_NAME = 100;

/**
 * The file of every type of a group-version in a one-file-per-type folder
 * (`applyconfigurations/`), by type name, without the extension: kebab-case
 * (`DeploymentSpec` -> `deployment-spec`, `HTTPGetAction` -> `http-get-action`),
 * lower-case only, so two type names that differ only by case still get two
 * files on a case-insensitive file system (`foo-bar`, `foo-bar2`, in the
 * module's type order). Type names are identifiers already ([A-Za-z0-9]), so
 * a file name holds only [a-z0-9-]; `index` and Windows device names take a
 * `-type` suffix.
 */
export function typeFileNames(typeNames: readonly string[]): Map<string, string> {
  const taken = new Set<string>();
  return new Map(
    typeNames.map((t) => {
      let base = t
        .replace(/[^A-Za-z0-9]+/g, "-")
        .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
        .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
        .toLowerCase()
        .slice(0, MAX_FILE_NAME)
        .replace(/^-+|-+$/g, "");
      if (base === "") base = "type";
      if (RESERVED_FILE_NAMES.has(base)) base = `${base}-type`;
      return [t, uniqueName(base, taken)];
    }),
  );
}

/** A builder's setter for a wire field (`replicas` -> `withReplicas`, `x-foo` -> `withXFoo`). */
export function builderMethodName(field: string): string {
  return `with${pascalCase(field)}`;
}

/**
 * Setters the runtime's MetadataApplyConfiguration and ObjectApplyConfiguration
 * already have; a generated builder that extends them must not reuse a name.
 */
export const INHERITED_BUILDER_METHODS: readonly string[] = [
  "withName", "withGenerateName", "withNamespace", "withUid", "withResourceVersion", "withGeneration",
  "withCreationTimestamp", "withDeletionTimestamp", "withDeletionGracePeriodSeconds", "withLabels",
  "withAnnotations", "withOwnerReferences", "withFinalizers", "getName", "getNamespace", "withApiVersion", "withKind",
];

/**
 * Members every object has (Object.prototype's own names). No setter takes one of these names, and
 * a builder keeps a wire field with one of these names through rt.setField, since a class cannot
 * declare it (`constructor`) or assigning it would change the prototype (`__proto__`).
 */
export const OBJECT_MEMBERS: readonly string[] = [
  "constructor", "__proto__", "__defineGetter__", "__defineSetter__", "__lookupGetter__", "__lookupSetter__",
  "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toString", "toLocaleString", "valueOf",
];

/** The extraction function of a kind, optionally for a subresource (`extractDeployment`, `extractDeploymentStatus`). */
export function extractFunctionName(typeName: string, subresource?: string): string {
  return `extract${typeName}${subresource ? pascalCase(subresource) : ""}`;
}

/** A struct's name in the apply schema tables: unique across modules (`apps/v1.DeploymentSpec`). */
/**
 * The brand of a kind's builder, which the typed client's `apply` checks
 * (runtime ApplyFor): the group-version and kind as client-go prints a
 * GroupVersionKind, `apps/v1, Kind=Deployment`.
 */
export function applyBrand(apiVersion: string, kind: string): string {
  return `${apiVersion}, Kind=${kind}`;
}

export function applySchemaTypeName(modulePath: string, typeName: string): string {
  return `${modulePath}.${typeName}`;
}

/** How the root fake.ts names a group-version's applyconfigurations module (`appsV1Apply`). */
export function applyModuleAlias(accessor: string): string {
  return `${accessor}Apply`;
}

/**
 * The names of the conversion types of one group's `conversion.ts` (`FooConversion`), from
 * each CRD's storage type name: unique in the file, which also imports `StorageConverter`
 * and a module alias per version (`aliases`).
 */
export function conversionTypeNames(storageTypeNames: readonly string[], aliases: Iterable<string>): string[] {
  const taken = new Set<string>(["StorageConverter", ...aliases]);
  return storageTypeNames.map((t) => uniqueName(`${t}Conversion`, taken));
}
