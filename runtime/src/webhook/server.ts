// The webhook server: HTTPS endpoints the API server calls for admission (validating and
// mutating) and for CRD conversion, as controller-runtime's webhook.Server. It owns:
//   - TLS from a certificate and key file, re-checked every `certCheckMs` (cert-manager and
//     Kubernetes secret volumes replace them in place): a new, consistent pair serves new
//     connections; a half-written or mismatched one is skipped until it is whole,
//   - routes: POST paths registered with validating(), mutating() and conversion(); GET /healthz
//     (up) and /readyz (listening and not shutting down),
//   - bodies up to `maxBodyBytes` (413 beyond), JSON that is a review of the right kind (400 with
//     the reason otherwise), each answered with its request's uid,
//   - handlers that throw or outlast `handlerTimeoutMs`: a denial (admission) or a failed
//     conversion carrying the message, logged with the request's uid; the server goes on,
//   - graceful shutdown: stop() refuses new connections, fails /readyz, and waits for requests
//     in flight before closing.

import { readFileSync, statSync } from "node:fs";
import https from "node:https";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { consoleLogger, type Logger } from "../controller/controller.js";
import type { KubernetesObject } from "../meta/types.js";
import type { Convert } from "./conversion.js";
import {
  admissionReview,
  conversionReview,
  deny,
  readAdmissionReview,
  readConversionReview,
  type AdmissionRequest,
  type AdmissionVerdict,
} from "./reviews.js";

/** Decides a validating admission request. */
export type ValidatingHandler<T> = (request: AdmissionRequest<T>) => AdmissionVerdict | Promise<AdmissionVerdict>;

/**
 * Mutates an object under admission: `object` is the handler's own copy of `request.object`;
 * change it and return it (or return another object, or nothing for no change). The server
 * answers with the JSON Patch between the two. Throw, or return a denial, to refuse.
 */
export type MutatingHandler<T> = (object: T, request: AdmissionRequest<T>) => T | void | AdmissionVerdict | Promise<T | void | AdmissionVerdict>;

export interface WebhookServerOptions {
  /** The serving certificate (PEM, chain allowed) and its key. */
  readonly certFile: string;
  readonly keyFile: string;
  /** Port to listen on (default 9443, controller-runtime's); 0 picks a free one. */
  readonly port?: number;
  /** Address to listen on (default all: `::` or `0.0.0.0`). */
  readonly host?: string;
  /** Largest request body accepted (default 8 MiB: an object and its old version, each up to the API server's 3 MiB). */
  readonly maxBodyBytes?: number;
  /** How long a handler may take before its request is answered as failed (default 10,000 ms, the API server's default webhook timeout). */
  readonly handlerTimeoutMs?: number;
  /** How often the certificate files are checked for change (default 1,000 ms). */
  readonly certCheckMs?: number;
  /** Where errors go (default a console logger). */
  readonly logger?: Logger;
}

type Route = (body: unknown) => Promise<{ status: number; body: object | string }>;

const DEFAULT_PORT = 9443;
const DEFAULT_MAX_BODY = 8 * 1024 * 1024;
const DEFAULT_HANDLER_TIMEOUT_MS = 10_000;
const DEFAULT_CERT_CHECK_MS = 1_000;

/** Raised inside the server when a handler outlasts handlerTimeoutMs. */
class HandlerTimeout extends Error {}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const isVerdict = (v: unknown): v is AdmissionVerdict => typeof v === "object" && v !== null && typeof (v as { allowed?: unknown }).allowed === "boolean" && !("metadata" in v);

/** An HTTPS server for admission and conversion webhooks. */
export class WebhookServer {
  readonly #options: WebhookServerOptions;
  readonly #logger: Logger;
  readonly #routes = new Map<string, Route>();
  #server: https.Server | undefined;
  #certStamp = "";
  #certTimer: NodeJS.Timeout | undefined;
  #stopping = false;
  #inFlight = 0;
  #idle: Array<() => void> = [];

  constructor(options: WebhookServerOptions) {
    this.#options = options;
    this.#logger = options.logger ?? consoleLogger("kubegen webhook");
  }

  /** Serves validating admission at `path`. */
  validating<T = KubernetesObject>(path: string, handler: ValidatingHandler<T>): this {
    return this.#route(path, async (body) => {
      const read = readAdmissionReview(body);
      if ("problem" in read) return { status: 400, body: read.problem };
      const request = read.request as AdmissionRequest<T>;
      const verdict = await this.#run(request.uid, path, () => handler(request)).catch((err: unknown) => failed(err));
      return { status: 200, body: admissionReview(request.uid, verdict) };
    });
  }

  /** Serves mutating admission at `path`: the handler's changes go back as a JSON Patch. */
  mutating<T = KubernetesObject>(path: string, handler: MutatingHandler<T>): this {
    return this.#route(path, async (body) => {
      const read = readAdmissionReview(body);
      if ("problem" in read) return { status: 400, body: read.problem };
      const request = read.request as AdmissionRequest<T>;
      const before = request.object;
      try {
        const copy = structuredClone(before) as T;
        const result = await this.#run(request.uid, path, () => handler(copy, request));
        if (isVerdict(result)) return { status: 200, body: admissionReview(request.uid, result) };
        return { status: 200, body: admissionReview(request.uid, { allowed: true }, { before, after: result ?? copy }) };
      } catch (err) {
        return { status: 200, body: admissionReview(request.uid, failed(err)) };
      }
    });
  }

  /** Serves CRD conversion at `path` (the CRD's `conversion.webhook.clientConfig`). */
  conversion(path: string, convert: Convert): this {
    return this.#route(path, async (body) => {
      const read = readConversionReview(body);
      if ("problem" in read) return { status: 400, body: read.problem };
      const { uid, desiredAPIVersion, objects } = read.request;
      try {
        const converted = await this.#run(uid, path, () => Promise.all(objects.map((o) => convert(o, desiredAPIVersion))));
        return { status: 200, body: conversionReview(uid, { objects: converted }) };
      } catch (err) {
        return { status: 200, body: conversionReview(uid, { failure: failureMessage(err) }) };
      }
    });
  }

  /** The port listened on (after start()). */
  get port(): number {
    const address = this.#server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error("the webhook server is not listening");
    return address.port;
  }

  /** Listening and not shutting down: what /readyz reports, for a manager's own readiness check. */
  ready(): boolean {
    return this.#server?.listening === true && !this.#stopping;
  }

  /** Loads the certificate and listens. Rejects when the files cannot be read or the port is taken. */
  async start(): Promise<void> {
    if (this.#server) throw new Error("the webhook server was started already");
    const { cert, key, stamp } = this.#readCert();
    this.#certStamp = stamp;
    const server = https.createServer({ cert, key }, (req, res) => void this.#handle(req, res));
    server.requestTimeout = (this.#options.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS) + 30_000;
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#options.port ?? DEFAULT_PORT, this.#options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.#certTimer = setInterval(() => this.#reloadCert(), this.#options.certCheckMs ?? DEFAULT_CERT_CHECK_MS);
    this.#certTimer.unref();
  }

  /** Stops taking connections, fails /readyz, waits for requests in flight (at most `graceMs`, default 30 s), then closes. */
  async stop(graceMs = 30_000): Promise<void> {
    const server = this.#server;
    if (!server || this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#certTimer);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const drained = this.#inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.#idle.push(resolve));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    server.closeAllConnections();
    await closed;
  }

  #route(path: string, route: Route): this {
    if (!path.startsWith("/")) throw new Error(`a webhook path starts with "/": ${JSON.stringify(path)}`);
    if (path === "/healthz" || path === "/readyz") throw new Error(`${path} is the server's own`);
    this.#routes.set(path, route);
    return this;
  }

  /** Runs a handler under the timeout; errors are logged with the request's uid and rethrown. */
  async #run<R>(uid: string, path: string, fn: () => R | Promise<R>): Promise<R> {
    const ms = this.#options.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        Promise.resolve().then(fn),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new HandlerTimeout(`the handler did not finish within ${ms} ms`)), ms))),
      ]);
    } catch (err) {
      this.#logger.error("webhook handler failed", { path, uid, error: messageOf(err) });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.#inFlight++;
    try {
      const path = (req.url ?? "/").split("?")[0]!;
      if (path === "/healthz" || path === "/readyz") {
        const ok = path === "/healthz" || this.ready();
        return reply(res, ok ? 200 : 503, ok ? "ok" : "shutting down");
      }
      const route = this.#routes.get(path);
      if (!route) return reply(res, 404, `no webhook at ${path}`);
      if (req.method !== "POST") return reply(res, 405, `${req.method} is not allowed: webhooks take POST`);
      const body = await readBody(req, this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY);
      if (body === undefined) {
        res.shouldKeepAlive = false; // the rest of the body is not read
        return reply(res, 413, `the review is larger than ${this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY} bytes`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch (err) {
        return reply(res, 400, `the review is not JSON: ${messageOf(err)}`);
      }
      const answer = await route(parsed);
      reply(res, answer.status, answer.body);
    } catch (err) {
      this.#logger.error("webhook request failed", { url: req.url, error: messageOf(err) });
      if (!res.headersSent) reply(res, 500, "internal error");
    } finally {
      if (--this.#inFlight === 0) for (const wake of this.#idle.splice(0)) wake();
    }
  }

  #readCert(): { cert: string; key: string; stamp: string } {
    const { certFile, keyFile } = this.#options;
    const stamp = [certFile, keyFile].map((f) => {
      const s = statSync(f, { bigint: true });
      return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    });
    return { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8"), stamp: stamp.join("|") };
  }

  /** Serves a changed certificate to new connections, once the pair is whole. */
  #reloadCert(): void {
    let next: { cert: string; key: string; stamp: string };
    try {
      next = this.#readCert();
    } catch {
      return; // a file being replaced: look again at the next check
    }
    if (next.stamp === this.#certStamp) return;
    try {
      this.#server?.setSecureContext({ cert: next.cert, key: next.key });
      this.#certStamp = next.stamp;
      this.#logger.info("webhook serving certificate reloaded", { certFile: this.#options.certFile });
    } catch {
      // a half-written or mismatched pair: the previous one stays until the files agree
    }
  }
}

/** A denial for a handler that threw or timed out. */
function failed(err: unknown): AdmissionVerdict {
  return deny(err instanceof HandlerTimeout ? `webhook timed out: ${err.message}` : `webhook error: ${messageOf(err)}`, 500);
}

function failureMessage(err: unknown): string {
  return err instanceof HandlerTimeout ? `conversion timed out: ${err.message}` : `conversion failed: ${messageOf(err)}`;
}

/** The body, or undefined when it exceeds `max` bytes (the rest is not read). */
async function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > max) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function reply(res: http.ServerResponse, status: number, body: object | string): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
