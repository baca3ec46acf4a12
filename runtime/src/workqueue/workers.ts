// runWorkers: the worker loop every controller writes around a queue
// (client-go sample-controller's runWorker/processNextWorkItem, with the
// handleErr policy of requeue-with-rate-limiting on failure).

import type { RateLimitingQueue } from "./rate-limiting-queue.js";

/** Processes one item. Throwing or rejecting means "retry later". */
export type WorkHandler<T> = (item: T, signal: AbortSignal) => void | Promise<void>;

/** Options of {@link runWorkers}. */
export interface RunWorkersOptions<T> {
  /**
   * Told about every handler failure (the item has already been requeued).
   * Default: a one-line `console.error` with the error message.
   */
  readonly onError?: (err: unknown, item: T) => void;
}

const defaultOnError = (err: unknown): void => {
  console.error(`workqueue: handler failed, item requeued with rate limiting: ${err instanceof Error ? err.message : String(err)}`);
};

/**
 * Runs `workers` concurrent async workers over the queue. Each takes an item,
 * awaits the handler, then: on success calls `forget` (clearing its backoff);
 * on a throw or rejection calls `addRateLimited` (retry with backoff) and
 * reports the error; in both cases calls `done`. A failing handler never stops
 * a worker.
 *
 * Resolves when every worker has stopped: after `signal` aborts (workers stop
 * taking items and finish the ones they hold; the handler sees the same
 * signal), or after the queue is shut down and drained. The queue itself is
 * not shut down; call `shutDown()` or `shutDownWithDrain()` on it as needed.
 */
export async function runWorkers<T>(
  queue: RateLimitingQueue<T>,
  workers: number,
  handler: WorkHandler<T>,
  signal: AbortSignal,
  options: RunWorkersOptions<T> = {},
): Promise<void> {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`runWorkers needs at least one worker, got ${workers}`);
  const onError = options.onError ?? defaultOnError;

  const worker = async (): Promise<void> => {
    while (!signal.aborted) {
      let next;
      try {
        next = await queue.get({ signal });
      } catch {
        return; // aborted while waiting: nothing was taken
      }
      if (next.shutdown) return;
      const item = next.item;
      try {
        await handler(item, signal);
        queue.forget(item);
      } catch (err) {
        queue.addRateLimited(item);
        try {
          onError(err, item);
        } catch {
          // an error reporter that throws must not kill the worker
        }
      } finally {
        queue.done(item);
      }
    }
  };

  await Promise.all(Array.from({ length: workers }, worker));
}
