// Listers: typed reads of an informer's cache by name, namespace and label
// selector. Mirrors client-go listers/generic_helpers.go (ResourceIndexer,
// ListAll, ListAllByNamespace) and the NotFound errors of generated listers.

import { newNotFound } from "../errors/constructors.js";
import type { KubernetesObject, LabelSelector } from "../meta/types.js";
import { matchesLabelSelector, parseLabelSelector, labelSelectorRequirements, type LabelRequirement } from "../meta/selectors.js";
import { NAMESPACE_INDEX, type ReadonlyIndexer } from "./indexer.js";

/** The resource a lister reads, for NotFound errors. */
export interface ListerResource {
  /** API group, `""` for core. */
  readonly group: string;
  /** Plural resource name. */
  readonly resource: string;
}

function requirements(selector: string | LabelSelector | undefined): readonly LabelRequirement[] | undefined {
  if (selector === undefined || selector === "") return undefined;
  return typeof selector === "string" ? parseLabelSelector(selector) : labelSelectorRequirements(selector);
}

function filter<T extends KubernetesObject>(items: T[], selector: string | LabelSelector | undefined): T[] {
  const reqs = requirements(selector);
  if (!reqs || reqs.length === 0) return items;
  return items.filter((o) => matchesLabelSelector(reqs, o.metadata?.labels));
}

/** Reads of one namespace (client-go `<Kind>NamespaceLister`). */
export class NamespaceLister<T extends KubernetesObject> {
  constructor(
    readonly indexer: ReadonlyIndexer<T>,
    readonly resource: ListerResource,
    readonly namespace: string,
  ) {}

  /** Objects of the namespace matching the label selector (all when omitted). */
  list(selector?: string | LabelSelector): T[] {
    return filter(this.indexer.byIndex(NAMESPACE_INDEX, this.namespace), selector);
  }

  /** The named object, or undefined. */
  get(name: string): T | undefined {
    return this.indexer.get(`${this.namespace}/${name}`);
  }

  /** The named object; throws a 404 NotFound ApiError (like client-go listers) when absent. */
  getOrThrow(name: string): T {
    const obj = this.get(name);
    if (obj === undefined) throw newNotFound(this.resource, name);
    return obj;
  }
}

/** Reads of a whole cache (client-go generated `<Kind>Lister`). */
export class ResourceLister<T extends KubernetesObject> {
  constructor(
    readonly indexer: ReadonlyIndexer<T>,
    readonly resource: ListerResource,
  ) {}

  /** Every cached object matching the label selector (all when omitted). */
  list(selector?: string | LabelSelector): T[] {
    return filter(this.indexer.list(), selector);
  }

  /** A cluster-scoped object by name, or undefined. */
  get(name: string): T | undefined {
    return this.indexer.get(name);
  }

  /** A cluster-scoped object by name; throws a 404 NotFound ApiError when absent. */
  getOrThrow(name: string): T {
    const obj = this.get(name);
    if (obj === undefined) throw newNotFound(this.resource, name);
    return obj;
  }

  /** Reads of one namespace. */
  namespace(namespace: string): NamespaceLister<T> {
    return new NamespaceLister(this.indexer, this.resource, namespace);
  }
}
