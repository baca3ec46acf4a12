// The fake clientset's public types: the resource table the generator emits
// (FakeResource), the recorded actions and the reactor signatures (client-go
// testing/actions.go Action, testing/fake.go ReactionFunc/WatchReactionFunc).

import type { ApplySchema } from "../../apply/schema.js";
import type { ResourceInfo } from "../../rest/resource-client.js";
import type { PatchType } from "../../meta/options.js";
import type { WatchEvent } from "../../watch/decoder.js";
import type { ValidationSchema } from "./validation-schema.js";

/** One resource the fake clientset serves; the generator emits a table of these. */
export interface FakeResource extends ResourceInfo {
  /** Kind of the list, e.g. `DeploymentList`. */
  readonly listKind: string;
  /** Subresources served: `status`, `scale`, `eviction`, `token`, `binding`, `log`... */
  readonly subresources: readonly string[];
  /**
   * Where the `scale` subresource reads and writes (CRD `subresources.scale`,
   * JSON paths like `.spec.replicas`). Built-ins leave it out: they use
   * `.spec.replicas`, `.status.replicas` and the formatted `.spec.selector`.
   */
  readonly scale?: { readonly specReplicasPath: string; readonly statusReplicasPath: string; readonly labelSelectorPath?: string };
  /** CRD `selectableFields` JSON paths (e.g. `.spec.color`): extra field labels list and watch accept. */
  readonly selectableFields?: readonly string[];
  /**
   * `false` for kinds whose server strategy sets no `metadata.generation` (ConfigMaps, Secrets...);
   * absent or `true`: generation 1 on create, +1 when anything but metadata and status changes.
   */
  readonly generation?: boolean;
  /**
   * The kind's server-side-apply schema and its qualified struct name (e.g. `apps/v1.Deployment`).
   * With it the fake serves apply patches and tracks managedFields on every write; without it,
   * apply is a 415 and managedFields are stored as sent.
   */
  readonly apply?: { readonly schema: ApplySchema; readonly type: string };
  /**
   * The kind's structural schema (CRDs; the generator emits it from the CRD's openAPIV3Schema) and
   * the name of its root type. With it the fake prunes unknown fields (with the server's warnings),
   * validates writes as the API server validates custom resources (422 Invalid with the same
   * causes), checks names as DNS subdomains and requires `metadata.resourceVersion` on update.
   */
  readonly validation?: { readonly schema: ValidationSchema; readonly type: string };
}

/** The verbs actions carry: a RequestSpec verb, or an HTTP method for custom requests. */
export type FakeVerb = "get" | "list" | "watch" | "create" | "update" | "patch" | "apply" | "delete" | "deletecollection" | (string & {});

/**
 * One recorded call (client-go testing.Action). Strings are `""` when they
 * do not apply (no namespace for cluster-scoped or all-namespace calls, no
 * name for collection calls, no subresource).
 */
export interface FakeAction {
  readonly verb: FakeVerb;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
  readonly subresource: string;
  /** A deep copy of the request body (object, patch document or DeleteOptions-free body). */
  readonly body?: unknown;
  /** Content type of a patch. */
  readonly patchType?: PatchType;
  /** The call's options without `signal` (deep copy). */
  readonly options: Readonly<Record<string, unknown>>;
  /** Extra query parameters (e.g. pod log options). */
  readonly query?: Readonly<Record<string, unknown>>;
  /** The raw path of a request that named no resource. */
  readonly path?: string;
}

/** What a reactor returns when it handles a call: the response body (an object, a Status, or text for streams). */
export interface ReactorResult {
  readonly object: unknown;
}

/**
 * A reactor (client-go ReactionFunc): return undefined to pass the call on,
 * `{ object }` to answer it, or throw (e.g. `newConflict(...)`) to fail it.
 */
export type Reactor = (action: FakeAction) => ReactorResult | undefined | Promise<ReactorResult | undefined>;

/** What a watch reactor returns when it handles a watch: the events to deliver. */
export interface WatchReactorResult {
  readonly events: AsyncIterable<WatchEvent<unknown>> | Iterable<WatchEvent<unknown>>;
}

/** A watch reactor (client-go WatchReactionFunc): undefined passes on, `{ events }` answers, a throw fails the watch. */
export type WatchReactor = (
  action: FakeAction,
) => WatchReactorResult | undefined | Promise<WatchReactorResult | undefined>;
