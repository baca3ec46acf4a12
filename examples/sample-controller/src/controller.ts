// The sample-controller's reconcile logic: every Foo owns one Deployment named
// spec.deploymentName (nginx:latest, spec.replicas replicas, labels
// app=nginx,controller=<foo>), and mirrors its status.availableReplicas.
// Mirrors Kubernetes' staging/src/k8s.io/sample-controller/controller.go
// (NewController, syncHandler, newDeployment, handleObject), built on the
// runtime's Controller (workqueue, workers, cache-sync gate) instead of a
// hand-rolled loop, and on server-side apply instead of create/update.
//
// Differences from the Go original, on purpose:
// - The Deployment and the Foo status are written with server-side APPLY
//   (field manager "sample-controller", force: a controller owns its fields).
//   The apply is sent only when the fields this manager owns, extracted from
//   the cached Deployment's managedFields, differ from the desired ones (or
//   the Deployment is missing); the status apply only when
//   status.availableReplicas differs. SSA is idempotent, so "always" would
//   also be correct; skipping saves one write per resync per Foo.
// - Events are events.k8s.io/v1 (EventRecorder), not core/v1.

import {
  Controller,
  controllerOf,
  isNotFound,
  labelSelector,
  ownerReference,
  sampleControllerRateLimiter,
  splitMetaNamespaceKey,
  type EventRecorder,
  type ObjectReference,
  type ReconcileContext,
} from "@kubegen/runtime";
import type { Clientset as KubeClientset, SharedInformerFactory as KubeInformerFactory } from "./k8s/index.js";
import { deployment, deploymentSpec, extractDeployment, type Deployment, type DeploymentApplyConfiguration, type DeploymentInformer } from "./k8s/apps/v1/index.js";
import { container, podSpec, podTemplateSpec } from "./k8s/core/v1/index.js";
import type { Clientset as SampleClientset, SharedInformerFactory as SampleInformerFactory } from "./generated/index.js";
import { foo as fooApply, fooStatus, type Foo, type FooInformer } from "./generated/samplecontroller.kubegen.dev/v1alpha1/index.js";
import type { JsonLogger } from "./log.js";

import { CONTROLLER_NAME } from "./controller-name.js";

export { CONTROLLER_NAME };
/** Foo's group, version and kind (owner references, event references). */
export const FOO_API_VERSION = "samplecontroller.kubegen.dev/v1alpha1";
export const FOO_KIND = "Foo";

/** Event reasons and messages (sample-controller controller.go). */
export const SUCCESS_SYNCED = "Synced";
export const ERR_RESOURCE_EXISTS = "ErrResourceExists";
export const MESSAGE_RESOURCE_SYNCED = "Foo synced successfully";
/** `Resource "x" already exists and is not managed by Foo` (Go's %q quoting). */
export function messageResourceExists(name: string): string {
  return `Resource ${JSON.stringify(name)} already exists and is not managed by Foo`;
}

/** What a {@link SampleController} is built from. */
export interface SampleControllerOptions {
  /** Built-in clients (apps/v1 Deployments). */
  readonly kube: KubeClientset;
  /** The Foo clients. */
  readonly sample: SampleClientset;
  /** Informers over `kube` (Deployments). */
  readonly kubeInformers: KubeInformerFactory;
  /** Informers over `sample` (Foos). */
  readonly sampleInformers: SampleInformerFactory;
  /** Where Synced and ErrResourceExists events go (reportingController "sample-controller"). */
  readonly recorder: EventRecorder;
  readonly logger: JsonLogger;
  /** Concurrent reconciles (default 2, as sample-controller's main.go). */
  readonly workers?: number;
}

/** The error a reconcile throws when the Deployment belongs to someone else (the key is retried with backoff). */
export class ResourceExistsError extends Error {
  override readonly name = "ResourceExistsError";
}

/**
 * sample-controller: Foo and Deployment informers feed a rate-limited
 * workqueue (sample-controller's limiter: 5 ms..1000 s per item, 50 qps /
 * burst 300 overall); `workers` reconcile Foo keys (`namespace/name`).
 */
export class SampleController {
  /** The runtime controller (queue, workers, health). */
  readonly controller: Controller<string>;
  readonly #kube: KubeClientset;
  readonly #sample: SampleClientset;
  readonly #deployments: DeploymentInformer;
  readonly #foos: FooInformer;
  readonly #recorder: EventRecorder;
  readonly #log: JsonLogger;

  constructor(options: SampleControllerOptions) {
    this.#kube = options.kube;
    this.#sample = options.sample;
    this.#recorder = options.recorder;
    this.#log = options.logger;
    this.#deployments = options.kubeInformers.appsV1.deployments();
    this.#foos = options.sampleInformers.samplecontrollerV1alpha1.foos();
    this.controller = new Controller<string>({
      name: CONTROLLER_NAME,
      reconcile: (key, context) => this.syncHandler(key, context),
      workers: options.workers ?? 2,
      rateLimiter: sampleControllerRateLimiter<string>(),
      informers: [this.#deployments.informer, this.#foos.informer],
      logger: options.logger,
    });
    // Foo: add and update (resyncs included) enqueue the Foo, as in Go; a
    // deleted Foo needs nothing (garbage collection removes its Deployment).
    this.#foos.informer.addEventHandler(this.controller.enqueueHandler<Foo>({ onDelete: false }));
    // Deployment: any change enqueues its controlling Foo (Go's handleObject).
    this.#deployments.informer.addEventHandler(
      this.controller.enqueueOwner<Deployment>(FOO_KIND, { group: FOO_API_VERSION.split("/")[0]! }),
    );
  }

  /** Waits for both caches, then reconciles until `signal` aborts; resolves after in-flight reconciles finish. */
  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal);
  }

  /** Running, synced, every worker looping. */
  healthy(): boolean {
    return this.controller.healthy();
  }

  /** One Foo key: make its Deployment match, then its status (sample-controller syncHandler). */
  async syncHandler(key: string, { signal }: ReconcileContext): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const log = this.#log.with({ foo: key });
    if (!namespace) {
      log.error("invalid resource key: a Foo is namespaced");
      return; // retrying cannot help
    }
    const foo = this.#foos.lister.foos(namespace).get(name);
    if (!foo) {
      log.info("foo no longer exists; nothing to do");
      return;
    }
    const deploymentName = foo.spec?.deploymentName;
    if (!deploymentName) {
      log.error("deployment name must be specified"); // the CRD requires it; a retry cannot fix it
      return;
    }
    const deployments = this.#kube.appsV1.deployments(namespace);
    let current = this.#deployments.lister.deployments(namespace).get(deploymentName);

    // Never take over a Deployment this Foo does not control.
    if (current && controllerOf(current)?.uid !== foo.metadata?.uid) {
      const message = messageResourceExists(deploymentName);
      this.#recorder.event(fooReference(foo), "Warning", ERR_RESOURCE_EXISTS, "Sync", message);
      throw new ResourceExistsError(message);
    }

    const desired = newDeployment(foo, deploymentName, namespace);
    if (!current || !sameJson(extractDeployment(current, CONTROLLER_NAME), desired)) {
      current = await deployments.apply(desired, { fieldManager: CONTROLLER_NAME, force: true, signal });
      log.info("applied deployment", { deployment: deploymentName, replicas: foo.spec?.replicas, resourceVersion: current.metadata?.resourceVersion });
    } else {
      log.debug("deployment up to date", { deployment: deploymentName });
    }

    const available = current.status?.availableReplicas ?? 0;
    if (foo.status?.availableReplicas !== available) {
      try {
        await this.#sample.samplecontrollerV1alpha1
          .foos(namespace)
          .applyStatus(fooApply(name, namespace).withStatus(fooStatus().withAvailableReplicas(available)), {
            fieldManager: CONTROLLER_NAME,
            force: true,
            signal,
          });
      } catch (err) {
        if (isNotFound(err)) {
          log.info("foo deleted while syncing; nothing to do");
          return;
        }
        throw err;
      }
      log.info("updated foo status", { availableReplicas: available });
    }
    this.#recorder.event(fooReference(foo), "Normal", SUCCESS_SYNCED, "Sync", MESSAGE_RESOURCE_SYNCED);
  }
}

/** A full reference to a Foo (objects from a lister may lack apiVersion and kind). */
export function fooReference(foo: Foo): ObjectReference {
  const ref: ObjectReference = { apiVersion: FOO_API_VERSION, kind: FOO_KIND };
  if (foo.metadata?.namespace) ref.namespace = foo.metadata.namespace;
  if (foo.metadata?.name) ref.name = foo.metadata.name;
  if (foo.metadata?.uid) ref.uid = foo.metadata.uid;
  return ref;
}

/**
 * The Deployment a Foo asks for (sample-controller newDeployment): nginx:latest,
 * spec.replicas, labels app=nginx and controller=<foo> on the Deployment, its
 * selector and its pod template, and a controller owner reference to the Foo
 * (blockOwnerDeletion, so foreground deletion of the Foo waits for it).
 */
export function newDeployment(foo: Foo, deploymentName: string, namespace: string): DeploymentApplyConfiguration {
  const fooName = foo.metadata?.name ?? "";
  const labels = { app: "nginx", controller: fooName };
  return deployment(deploymentName, namespace)
    .withLabels(labels)
    .withOwnerReferences(
      ownerReference()
        .withApiVersion(FOO_API_VERSION)
        .withKind(FOO_KIND)
        .withName(fooName)
        .withUid(foo.metadata?.uid ?? "")
        .withController(true)
        .withBlockOwnerDeletion(true),
    )
    .withSpec(
      deploymentSpec()
        .withReplicas(foo.spec?.replicas ?? 1)
        .withSelector(labelSelector().withMatchLabels(labels))
        .withTemplate(
          podTemplateSpec()
            .withLabels(labels)
            .withSpec(podSpec().withContainers(container().withName("nginx").withImage("nginx:latest"))),
        ),
    );
}

/** Equal as JSON, ignoring the order of object keys. */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(JSON.parse(JSON.stringify(a)))) === JSON.stringify(sortKeys(JSON.parse(JSON.stringify(b))));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, sortKeys(obj[k])]));
  }
  return value;
}
