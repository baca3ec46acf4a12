// Response compression: what Go's net/http Transport does for client-go
// (net/http transport.go, DisableCompression; client-go rest.Config
// DisableCompression, the kubeconfig's `disable-compression`). The transport
// asks for `Accept-Encoding: gzip` unless compression is disabled or the
// caller chose an Accept-Encoding itself, and a response with
// `Content-Encoding: gzip` is decoded here, as a stream:
//   - the decoded response is an http.IncomingMessage over the same socket
//     (so `res.socket` still counts the bytes on the wire), with the status
//     and headers of the original minus Content-Encoding and Content-Length
//     (as Go does when it decodes; the length was the compressed one);
//   - chunks are inflated as they arrive and delivered at once, with
//     backpressure through to the socket: a watch or a followed log that the
//     server flushes keeps arriving event by event, and nothing is buffered
//     whole;
//   - an empty body is an empty body (Go's gzip reader reports plain EOF);
//   - a corrupt or truncated gzip body is a NetworkError (code Z_DATA_ERROR,
//     Z_BUF_ERROR...) raised by the stream, never an uncaught exception;
//     connection failures pass through unchanged (ECONNRESET "aborted"), so
//     callers tell a dropped watch from a broken body as before.
// kube-apiserver compresses only large non-watch responses (the
// APIResponseCompression feature, above 128 KiB), but any response is handled.

import http, { type IncomingMessage } from "node:http";
import zlib from "node:zlib";
import { NetworkError } from "../errors/network-error.js";

/** The Accept-Encoding the transport sends unless compression is disabled. */
export const ACCEPT_ENCODING = "gzip";

/** Whether a response's Content-Encoding is one the transport decodes (gzip, or its old name x-gzip). */
export function isGzipEncoded(headers: IncomingMessage["headers"]): boolean {
  const v = headers["content-encoding"];
  const enc = (Array.isArray(v) ? v.join(",") : (v ?? "")).trim().toLowerCase();
  return enc === "gzip" || enc === "x-gzip";
}

/** Where a response came from, for error messages. */
export interface ResponseContext {
  method: string;
  url: string;
}

/**
 * The response with its body decoded when it is gzip-encoded, else `res`
 * itself. Consume or destroy the result, not `res`: destroying the result
 * destroys `res` (and its connection, when the body was not read to the end).
 */
export function decodeResponse(res: IncomingMessage, ctx: ResponseContext): IncomingMessage {
  return isGzipEncoded(res.headers) ? new GunzipIncomingMessage(res, ctx) : res;
}

const DROPPED = new Set(["content-encoding", "content-length"]);

/**
 * An IncomingMessage whose body is the inflated body of a gzip-encoded
 * response. Status, HTTP version and headers (minus Content-Encoding and
 * Content-Length) are the original's; `socket` is the original's too.
 */
export class GunzipIncomingMessage extends http.IncomingMessage {
  /** The response as it came off the wire. */
  readonly raw: IncomingMessage;
  readonly #gunzip: zlib.Gunzip;
  #rawEnded = false;
  #wireBytes = 0;

  constructor(raw: IncomingMessage, ctx: ResponseContext) {
    super(raw.socket!);
    this.raw = raw;
    this.httpVersion = raw.httpVersion;
    this.httpVersionMajor = raw.httpVersionMajor;
    this.httpVersionMinor = raw.httpVersionMinor;
    this.statusCode = raw.statusCode;
    this.statusMessage = raw.statusMessage;
    const headers = { ...raw.headers };
    for (const h of DROPPED) delete headers[h];
    this.headers = headers;
    const rawHeaders: string[] = [];
    for (let i = 0; i + 1 < raw.rawHeaders.length; i += 2) {
      if (!DROPPED.has(raw.rawHeaders[i]!.toLowerCase())) rawHeaders.push(raw.rawHeaders[i]!, raw.rawHeaders[i + 1]!);
    }
    this.rawHeaders = rawHeaders;

    const gunzip = (this.#gunzip = zlib.createGunzip());
    gunzip.on("data", (chunk: Buffer) => {
      if (!this.push(chunk)) gunzip.pause();
    });
    gunzip.on("end", () => {
      this.complete = true;
      this.push(null);
    });
    gunzip.on("error", (err: NodeJS.ErrnoException) => {
      this.destroy(
        new NetworkError(`${ctx.method} ${ctx.url}: the gzip-encoded response body cannot be decoded: ${err.message}`, {
          method: ctx.method,
          url: ctx.url,
          code: err.code,
          cause: err,
        }),
      );
    });
    raw.on("data", (chunk: Buffer) => {
      this.#wireBytes += chunk.length;
      if (!gunzip.write(chunk)) raw.pause();
    });
    gunzip.on("drain", () => raw.resume());
    raw.on("end", () => {
      this.#rawEnded = true;
      if (this.#wireBytes === 0) {
        // nothing to inflate: an empty body (Go's gzip reader returns plain EOF)
        this.complete = true;
        this.push(null);
        gunzip.destroy();
      } else gunzip.end();
    });
    raw.on("error", (err) => this.destroy(err));
    raw.on("close", () => {
      if (!this.#rawEnded && !this.destroyed) {
        this.destroy(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
      }
    });
    raw.pause(); // flows once this message is read
  }

  /** Compressed body bytes received so far (the body as sent, before inflating). */
  get compressedBytes(): number {
    return this.#wireBytes;
  }

  override _read(): void {
    this.#gunzip.resume();
    // the raw body flows again unless the inflater's input is still full (it resumes it on drain)
    if (!this.#rawEnded && !this.#gunzip.writableNeedDrain) this.raw.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#rawEnded) this.raw.destroy();
    this.#gunzip.destroy();
    callback(err);
  }
}
