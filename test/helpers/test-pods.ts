// Helpers of the streaming integration tests (exec, cp/logs, port-forward), which run pods on the
// test kubelet: creating a pod bound to its node and waiting until it runs, counting this
// process's TCP sockets (nothing may be left open), and keeping every error a test saw so the
// file can check at the end that none carries a secret.
import type { RestClient } from "@kubegen/runtime";
import { eventually } from "./eventually.js";

/** Where a test pod goes: the namespace and the test kubelet's node. */
export interface PodPlace {
  rc: RestClient;
  namespace: string;
  nodeName: string;
}

/**
 * Creates a pod of one container `c` (no image is pulled: the test kubelet runs `command` as a
 * local process) on the test kubelet's node; `wait: "Running"` (the default) waits until it runs
 * and is ready.
 */
export async function createTestPod(
  at: PodPlace,
  name: string,
  container: Record<string, unknown>,
  spec: Record<string, unknown> = {},
  wait: "Running" | "none" = "Running",
): Promise<void> {
  const { rc, namespace } = at;
  await rc.request({
    version: "v1",
    resource: "pods",
    namespace,
    verb: "create",
    body: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name },
      spec: { nodeName: at.nodeName, containers: [{ name: "c", image: "kubegen.invalid/none", ...container }], ...spec },
    },
  });
  if (wait === "none") return;
  await eventually(`pod ${name} running`, 60_000, async () => {
    const p = await rc.request<{ status?: { phase?: string; containerStatuses?: Array<{ ready?: boolean }> } }>({ version: "v1", resource: "pods", namespace, name, verb: "get" });
    return p.status?.phase === "Running" && p.status.containerStatuses?.[0]?.ready ? p : undefined;
  });
}

/** TCP sockets of this process (TLS sockets included). */
export const tcpHandles = (): number => process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;

/** `caught(promise)` resolves with what the promise rejected with (undefined if it did not), and keeps it in `errors`. */
export function errorCollector(): { errors: unknown[]; caught: (p: Promise<unknown>) => Promise<unknown> } {
  const errors: unknown[] = [];
  return {
    errors,
    caught: async (p) => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      errors.push(err);
      return err;
    },
  };
}
