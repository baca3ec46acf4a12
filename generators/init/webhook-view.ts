// What `kubegen init controller --webhooks` adds, as plain data for the
// templates (src/webhooks.ts, src/conversion.ts, config/40-webhook-service.yaml,
// config/50-webhooks.yaml, config/cert-manager/, the Deployment's port and
// certificate volume), and the one change it makes to the copied CRD: the
// `conversion: Webhook` stanza, for a CRD served in more than one version.
//
//   API server --HTTPS--> Service <name>-webhook :443 --> Pod port `webhook` (9443)
//     mutate:   /mutate-<group>-<version>-<kind>     (defaults, then)
//     validate: /validate-<group>-<version>-<kind>
//     convert:  /convert                              (multi-version CRDs only)
//
// The serving certificate is the Secret <name>-webhook-cert (tls.crt, tls.key),
// mounted where controller-runtime keeps it (/tmp/k8s-webhook-server/serving-certs).
// cert-manager fills it (config/cert-manager/) and injects its CA into the
// webhook configurations and the CRD (the `cert-manager.io/inject-ca-from`
// annotation); without cert-manager, the README says how to provide both.

import { parseAllDocuments } from "yaml";
import type { ConversionPlan } from "../ir/plan.js";
import { SchemaError } from "../load/errors.js";
import type { CrdInput } from "../load/schema.js";
import { dnsLabel, type DeployNames } from "./deploy-view.js";

/** controller-runtime's defaults: the container port and the folder of tls.crt and tls.key. */
export const WEBHOOK_PORT = 9443;
export const CERT_DIR = "/tmp/k8s-webhook-server/serving-certs";

/** The conversion webhook's facts: the generated type the user implements, and its versions. */
export interface ConversionView {
  /** `FooConversion`, exported by `src/generated/<folder>/conversion.ts`. */
  readonly typeName: string;
  /** That module, from src/ (`./generated/example.com/conversion.js`). */
  readonly module: string;
  readonly storage: string;
  /** Every other served apiVersion. */
  readonly others: readonly string[];
  /** All served apiVersions, storage first. */
  readonly apiVersions: readonly string[];
}

export interface WebhookView {
  readonly port: number;
  readonly certDir: string;
  /** The container's arguments that say both. */
  readonly portArg: string;
  readonly certDirArg: string;
  readonly serviceName: string;
  /** The Service's DNS names, in the serving certificate. */
  readonly serviceDns: string;
  readonly serviceDnsFull: string;
  readonly secretName: string;
  readonly certificateName: string;
  readonly issuerName: string;
  /** `<namespace>/<certificate>`: the value of cert-manager's inject-ca-from annotation. */
  readonly injectCaFrom: string;
  /** The Validating- and MutatingWebhookConfiguration's name. */
  readonly configurationName: string;
  readonly validate: { readonly path: string; readonly name: string };
  readonly mutate: { readonly path: string; readonly name: string };
  /** The version the admission webhooks are typed with (the controller's). */
  readonly version: string;
  /** The rules' scope: `Namespaced` or `Cluster`. */
  readonly scope: string;
  /** The label the mutating webhook defaults and the validating webhook checks, and its value. */
  readonly managedByLabel: string;
  readonly managedBy: string;
  readonly conversion: ConversionView | undefined;
}

/** A webhook's name: a DNS subdomain of at least three labels, at most 253 characters. */
function webhookName(verb: string, crdName: string, base: string): string {
  const name = `${verb}.${crdName}`;
  return name.length <= 253 ? name : `${verb}.${base}.webhooks.kubegen.dev`;
}

export interface WebhookFacts {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly crdName: string;
  readonly namespaced: boolean;
  /** This CRD's conversion plan, when it is served in several versions. */
  readonly conversion: ConversionPlan | undefined;
}

export function webhookView(deploy: DeployNames, facts: WebhookFacts): WebhookView {
  // only lower-case letters, digits and `-`: safe in a URL path (group and version are never empty)
  const route = dnsLabel(`${facts.group}-${facts.version}-${facts.kind}`, Number.MAX_SAFE_INTEGER)!;
  const c = facts.conversion;
  const certificateName = `${deploy.name}-serving-cert`;
  const serviceName = `${deploy.name}-webhook`;
  return {
    port: WEBHOOK_PORT,
    certDir: CERT_DIR,
    portArg: `--webhook-port=${WEBHOOK_PORT}`,
    certDirArg: `--webhook-cert-dir=${CERT_DIR}`,
    serviceName,
    serviceDns: `${serviceName}.${deploy.namespace}.svc`,
    serviceDnsFull: `${serviceName}.${deploy.namespace}.svc.cluster.local`,
    secretName: `${deploy.name}-webhook-cert`,
    certificateName,
    issuerName: `${deploy.name}-selfsigned`,
    injectCaFrom: `${deploy.namespace}/${certificateName}`,
    configurationName: deploy.name,
    validate: { path: `/validate-${route}`, name: webhookName("validate", facts.crdName, deploy.name) },
    mutate: { path: `/mutate-${route}`, name: webhookName("mutate", facts.crdName, deploy.name) },
    version: facts.version,
    scope: facts.namespaced ? "Namespaced" : "Cluster",
    managedByLabel: "app.kubernetes.io/managed-by",
    managedBy: deploy.name,
    conversion: c && {
      typeName: c.typeName,
      module: `./generated/${c.folder}/conversion.js`,
      storage: c.storage.apiVersion,
      others: c.others.map((v) => v.apiVersion),
      apiVersions: [c.storage.apiVersion, ...c.others.map((v) => v.apiVersion)],
    },
  };
}

/**
 * The CRD file's text with `spec.conversion` set to the webhook (the Service's
 * /convert) and cert-manager's CA injection annotation, edited in place: every
 * other document, key and comment is kept.
 */
export function withConversionWebhook(text: string, input: CrdInput, view: WebhookView, namespace: string): string {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw SchemaError.at(input.file, "", "the file is not a YAML stream");
  const doc = docs[input.documentIndex];
  if (!doc || doc.errors.length > 0) throw SchemaError.at(input.file, input.pointerPrefix, "cannot edit the CRD's YAML to add the conversion webhook");
  const base = input.pointerPrefix
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  try {
    doc.setIn([...base, "metadata", "annotations", "cert-manager.io/inject-ca-from"], view.injectCaFrom);
    doc.setIn(
      [...base, "spec", "conversion"],
      doc.createNode({
        strategy: "Webhook",
        webhook: {
          conversionReviewVersions: ["v1"],
          clientConfig: { service: { namespace, name: view.serviceName, path: "/convert", port: 443 } },
        },
      }),
    );
  } catch (err) {
    // e.g. `annotations:` written as a scalar: the YAML has no map to add to
    throw SchemaError.at(input.file, `${input.pointerPrefix}/metadata`, `cannot add the conversion webhook to the CRD's YAML: ${(err as Error).message}`);
  }
  return docs.map((d) => d.toString({ lineWidth: 0 })).join("");
}
