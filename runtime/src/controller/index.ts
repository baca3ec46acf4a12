// controller: a reusable reconcile loop (sample-controller / controller-runtime
// style) over the runtime's workqueue and informers. See controller.ts for the
// contract it keeps.

export {
  Controller,
  consoleLogger,
  controllerOf,
  sampleControllerRateLimiter,
} from "./controller.js";
export type {
  ControllerOptions,
  ControllerStatus,
  EnqueueHandlerOptions,
  EnqueueOwnerOptions,
  Logger,
  ReconcileContext,
  ReconcileResult,
  Reconciler,
} from "./controller.js";
