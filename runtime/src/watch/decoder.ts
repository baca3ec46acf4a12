// Streaming decoding of a JSON watch body (client-go rest/watch/decoder.go,
// apimachinery pkg/watch/streamwatcher.go). The server writes one
// metav1.WatchEvent JSON object per line; the framer below does not rely on
// the newlines: it splits on the end of each top-level JSON object, at the
// byte level, so chunk boundaries anywhere (inside a string, an escape, or a
// multi-byte UTF-8 character) are harmless. ERROR events become a thrown
// ApiError carrying the event's Status.

import { redact } from "../errors/redact.js";
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
 *
 * Speed matters here (a streaming list of 10,000 objects is 15 MB): string
 * contents, which are most of the bytes, are skipped with the native
 * `Buffer.indexOf` instead of a byte loop; an escaped quote is recognised by
 * the parity of the backslashes before it.
 */
export class JsonFramer {
  #buf: Buffer[] = [];
  #bufLen = 0;
  #depth = 0;
  #inString = false;
  /** The last byte of the previous chunk was an unpaired backslash inside a string. */
  #escape = false;
  #started = false;

  /** Feeds a chunk and returns the complete values it finished, as UTF-8 text. */
  push(chunk: Buffer | Uint8Array | string): string[] {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: string[] = [];
    const len = bytes.length;
    let depth = this.#depth;
    let inString = this.#inString;
    let escape = this.#escape;
    let started = this.#started;
    let start = 0;
    let i = 0;
    while (i < len) {
      if (inString) {
        if (escape) {
          // the previous chunk ended with a backslash: this byte is escaped
          escape = false;
          i++;
          continue;
        }
        const quote = bytes.indexOf(0x22, i);
        const runEnd = quote === -1 ? len : quote;
        let backslashes = 0;
        for (let k = runEnd - 1; k >= i && bytes[k] === 0x5c; k--) backslashes++;
        if (quote === -1) {
          escape = (backslashes & 1) === 1;
          i = len;
          break;
        }
        i = quote + 1;
        if ((backslashes & 1) === 0) inString = false; // an unescaped quote closes the string
        continue;
      }
      const b = bytes[i]!;
      if (!started) {
        if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
          i++;
          start = i;
          continue;
        }
        if (b !== 0x7b && b !== 0x5b) {
          this.#depth = depth;
          this.#inString = inString;
          this.#escape = escape;
          this.#started = started;
          throw new SyntaxError(`unexpected byte 0x${b.toString(16)} between watch events`);
        }
        started = true;
        start = i;
      }
      if (b === 0x22) inString = true;
      else if (b === 0x7b || b === 0x5b) depth++;
      else if (b === 0x7d || b === 0x5d) {
        depth--;
        if (depth === 0) {
          const piece = bytes.subarray(start, i + 1);
          const whole = this.#bufLen ? Buffer.concat([...this.#buf, piece], this.#bufLen + piece.length) : piece;
          out.push(whole.toString("utf8"));
          this.#buf = [];
          this.#bufLen = 0;
          started = false;
          start = i + 1;
        }
      }
      i++;
    }
    this.#depth = depth;
    this.#inString = inString;
    this.#escape = escape;
    this.#started = started;
    if (started && start < len) {
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
  let ev: { type?: unknown; object?: unknown };
  try {
    ev = JSON.parse(text) as { type?: unknown; object?: unknown };
  } catch {
    // JSON.parse's own message quotes part of the frame, which may hold a secret.
    throw new SyntaxError("the frame is not valid JSON");
  }
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
        // redact before cutting, so a secret split by the cut cannot survive in part
        message: `watch ERROR event with an unexpected object: ${redact(JSON.stringify(object) ?? "undefined").slice(0, 200)}`,
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
  const what = redact(err instanceof Error ? err.message : String(err));
  return new ApiError(
    {
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      code: 500,
      reason: "InternalError",
      message: `unable to decode an event from the watch stream: ${what}`,
    },
    context,
  );
}
