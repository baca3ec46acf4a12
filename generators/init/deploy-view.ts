// What the scaffold's config/ manifests say, as plain data for
// templates/init/config/*.yaml.hbs: the Kubernetes names (derived from the
// validated npm name, cut to DNS-1123 labels) and the RBAC rules, which grant
// exactly the requests the scaffold's code sends and nothing more:
//
//   informer (list + watch, all namespaces)        <plural>               list, watch
//   reconcile: apply (server-side apply = PATCH)   <plural>               patch
//   reconcile: applyStatus (only when it is called) <plural>/status       patch
//   EventRecorder: create, then PATCH of `series`  events.k8s.io events   create, patch
//   LeaseLock: GET, POST, PUT (renew and release)  coordination.k8s.io leases
//                                                  create; get, update on the one Lease
//
// The controller watches every namespace, so the first three sit in a
// ClusterRole (Events land in the reconciled object's namespace, or
// `default` for a cluster-scoped one). The Lease lives in the controller's
// own namespace, so its rules are a Role there. `create` cannot be limited by
// resourceNames (the name is not in the URL), `get` and `update` can.

/** One rbac.authorization.k8s.io/v1 PolicyRule, plus why it is there (a comment in the YAML). */
export interface PolicyRuleView {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
  readonly verbs: readonly string[];
  readonly why: string;
}

/** The facts about the scaffold's code that decide its RBAC. */
export interface RbacFacts {
  /** The CRD's API group and plural. */
  readonly group: string;
  readonly plural: string;
  /** The reconcile calls applyStatus (a status subresource it can fill). */
  readonly appliesStatus: boolean;
  /** The leader-election Lease's name (the controller's name). */
  readonly leaseName: string;
}

function rule(apiGroups: string[], resources: string[], verbs: string[], why: string, resourceNames: string[] = []): PolicyRuleView {
  return { apiGroups, resources, resourceNames, verbs, why };
}

/** The ClusterRole's rules: the custom resource, its status when applied, and Events. */
export function clusterRules(facts: RbacFacts): PolicyRuleView[] {
  const rules = [
    rule([facts.group], [facts.plural], ["list", "watch"], "the shared informer lists and watches every namespace"),
    rule([facts.group], [facts.plural], ["patch"], "reconcile: server-side apply of the annotation"),
  ];
  if (facts.appliesStatus) rules.push(rule([facts.group], [`${facts.plural}/status`], ["patch"], "reconcile: server-side apply of the status subresource"));
  rules.push(rule(["events.k8s.io"], ["events"], ["create", "patch"], "EventRecorder: creates Events and patches the series of repeats"));
  return rules;
}

/** The Role's rules in the controller's namespace: the leader-election Lease. */
export function leaderElectionRules(facts: RbacFacts): PolicyRuleView[] {
  return [
    rule(["coordination.k8s.io"], ["leases"], ["create"], "LeaseLock: creates the Lease when none exists"),
    rule(["coordination.k8s.io"], ["leases"], ["get", "update"], "LeaseLock: reads, renews and releases its Lease", [facts.leaseName]),
  ];
}

/**
 * A DNS-1123 label made from `text`: lower case, runs of other characters as
 * one `-`, no `-` at either end, at most `max` characters; undefined when
 * nothing is left.
 */
export function dnsLabel(text: string, max = 63): string | undefined {
  const label = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, max)
    .replace(/^-+|-+$/g, "");
  return label === "" ? undefined : label;
}

/** Longest base name: leaves room for `-leader-election` and a Pod's hash suffixes within 63 characters. */
const BASE_MAX = 40;

/** The names of the deployed objects and the Deployment's image placeholder. */
export interface DeployNames {
  /** Deployment, ServiceAccount, ClusterRole(Binding) and the `app.kubernetes.io/name` label. */
  readonly name: string;
  /** The controller's own namespace: `<name>-system`. */
  readonly namespace: string;
  /** The Role and RoleBinding of the Lease. */
  readonly leaderElectionRole: string;
  /** A placeholder the README tells the user to replace. */
  readonly image: string;
}

/** Names for the npm package `npmName` (its scope dropped); `fallback` when nothing of it is a label. */
export function deployNames(npmName: string, fallback: string): DeployNames {
  const unscoped = npmName.replace(/^@[^/]*\//, "");
  const name = dnsLabel(unscoped, BASE_MAX) ?? dnsLabel(fallback, BASE_MAX) ?? "controller";
  return {
    name,
    namespace: `${name}-system`,
    leaderElectionRole: `${name}-leader-election`,
    image: `registry.example.com/${name}:0.1.0`,
  };
}

/** The view of templates/init/config/*: names, rules and the Lease's name. */
export interface DeployView extends DeployNames {
  readonly leaseName: string;
  readonly clusterRules: readonly PolicyRuleView[];
  readonly leaderElectionRules: readonly PolicyRuleView[];
}

export function deployView(npmName: string, facts: RbacFacts): DeployView {
  return {
    ...deployNames(npmName, facts.leaseName),
    leaseName: facts.leaseName,
    clusterRules: clusterRules(facts),
    leaderElectionRules: leaderElectionRules(facts),
  };
}

/** The manifest files under config/, in the order `kubectl apply -f config/` reads them (by name). */
export const CONFIG_FILES = ["00-namespace.yaml", "10-service-account.yaml", "20-rbac.yaml", "30-deployment.yaml"] as const;

/** What `--webhooks` adds: the Service and webhook configurations, and cert-manager's objects in a folder of their own (applied only with cert-manager). */
export const WEBHOOK_CONFIG_FILES = ["40-webhook-service.yaml", "50-webhooks.yaml", "cert-manager/certificate.yaml"] as const;
