// Streaming decoding of a JSON watch body (client-go rest/watch/decoder.go,
// apimachinery pkg/watch/streamwatcher.go). The server writes one
// metav1.WatchEvent JSON object per line; the framer below does not rely on
// the newlines: it splits on the end of each top-level JSON object, at the
// byte level, so chunk boundaries anywhere (inside a string, an escape, or a
// multi-byte UTF-8 character) are harmless. ERROR events become a thrown
// ApiError carrying the event's Status.

import { ApiError, isStatus } from "../errors/api-error.js";
import type { Status } from "../meta/types.js";

/** The event types a watch stream carries. */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/** A watch event as delivered to consumers: ERROR events are thrown instead. */
export interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";
  object: T;
}

/** A decoded frame before ERROR handling. */
export interface RawWatchEvent {
  type: WatchEventType;
  object: unknown;
}

const EVENT_TYPES = new Set<string>(["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]);

/**
 * Splits a byte stream into complete top-level JSON values. Whitespace
 * between values is skipped. Keeps a partial value across chunks.
 */
export class JsonFramer {
  #buf: Buffer[] = [];
  #bufLen = 0;
  #depth = 0;
  #inString = false;
  #escape = false;
  #started = false;

  /** Feeds a chunk and returns the complete values it finished, as UTF-8 text. */
  push(chunk: Buffer | Uint8Array | string): string[] {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: string[] = [];
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (!this.#started) {
        if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
          start = i + 1;
          continue;
        }
        if (b !== 0x7b && b !== 0x5b) {
          throw new SyntaxError(`unexpected byte 0x${b.toString(16)} between watch events`);
        }
        this.#started = true;
        start = i;
      }
      if (this.#inString) {
        if (this.#escape) this.#escape = false;
        else if (b === 0x5c) this.#escape = true;
        else if (b === 0x22) this.#inString = false;
        continue;
      }
      if (b === 0x22) this.#inString = true;
      else if (b === 0x7b || b === 0x5b) this.#depth++;
      else if (b === 0x7d || b === 0x5d) {
        this.#depth--;
        if (this.#depth === 0) {
          const piece = bytes.subarray(start, i + 1);
          const whole = this.#bufLen ? Buffer.concat([...this.#buf, piece], this.#bufLen + piece.length) : piece;
          out.push(whole.toString("utf8"));
          this.#buf = [];
          this.#bufLen = 0;
          this.#started = false;
          start = i + 1;
        }
      }
    }
    if (this.#started && start < bytes.length) {
      const rest = Buffer.from(bytes.subarray(start)); // copy: the caller may reuse its chunk
      this.#buf.push(rest);
      this.#bufLen += rest.length;
    }
    return out;
  }

  /** Whether a value is partly buffered (the stream ended mid-event if true at the end). */
  get pending(): boolean {
    return this.#started;
  }
}

/** Parses one frame into a raw event, validating its type. */
export function parseWatchFrame(text: string): RawWatchEvent {
  const ev = JSON.parse(text) as { type?: unknown; object?: unknown };
  if (typeof ev !== "object" || ev === null || typeof ev.type !== "string" || !EVENT_TYPES.has(ev.type)) {
    throw new SyntaxError(`invalid watch event type ${JSON.stringify((ev as { type?: unknown })?.type)}`);
  }
  return { type: ev.type as WatchEventType, object: ev.object };
}

/** The Status an ERROR event carries, as an ApiError. */
export function watchErrorToApiError(object: unknown, context: { method?: string; url?: string } = {}): ApiError {
  const status: Status = isStatus(object)
    ? { ...object, code: object.code ?? 500 }
    : {
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        code: 500,
        reason: "InternalError",
        message: `watch ERROR event with an unexpected object: ${JSON.stringify(object)?.slice(0, 200)}`,
      };
  return new ApiError(status, context);
}

/**
 * Decodes a watch body into typed events. ERROR events throw an ApiError; a
 * frame that cannot be decoded throws an ApiError with reason InternalError
 * ("unable to decode an event from the watch stream"), like the synthetic
 * event of client-go's StreamWatcher. A stream that ends mid-event ends quietly.
 */
export async function* decodeWatchEvents<T>(
  body: AsyncIterable<Buffer | Uint8Array | string>,
  context: { method?: string; url?: string } = {},
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  const framer = new JsonFramer();
  for await (const chunk of body) {
    let frames: string[];
    try {
      frames = framer.push(chunk);
    } catch (err) {
      throw decodeFailure(err, context);
    }
    for (const text of frames) {
      let ev: RawWatchEvent;
      try {
        ev = parseWatchFrame(text);
      } catch (err) {
        throw decodeFailure(err, context);
      }
      if (ev.type === "ERROR") throw watchErrorToApiError(ev.object, context);
      yield { type: ev.type, object: ev.object as T };
    }
  }
}

function decodeFailure(err: unknown, context: { method?: string; url?: string }): ApiError {
  return new ApiError(
    {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      code: 500,
      reason: "InternalError",
      message: `unable to decode an event from the watch stream: ${(err as Error).message}`,
    },
    context,
    { cause: err },
  );
}
