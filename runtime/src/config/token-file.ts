// A bearer token read from a file and re-read periodically (client-go
// transport/token_source.go cachingTokenSource + fileTokenSource): the cached
// token is used until `reloadMs` has passed since the last read; a failed
// re-read keeps the last good token; a 401 invalidates the cache so the next
// request reads the file again. Every token read (and the initial one) is
// registered with the redactor (errors/redact.ts), so a rotated token is
// redacted from the moment it is first used.

import { readFile } from "node:fs/promises";
import { registerSecret } from "../errors/redact.js";
import { realClock, type Clock } from "../util/clock.js";
import { ConfigError, DEFAULT_TOKEN_FILE_RELOAD_MS } from "./rest-config.js";

/** A token file with a cache that expires every `reloadMs`. */
export class TokenFileSource {
  readonly path: string;
  readonly reloadMs: number;
  readonly #clock: Clock;
  #token: string | undefined;
  #readAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<string> | undefined;

  constructor(path: string, options: { reloadMs?: number; clock?: Clock; initialToken?: string } = {}) {
    this.path = path;
    this.reloadMs = options.reloadMs ?? DEFAULT_TOKEN_FILE_RELOAD_MS;
    this.#clock = options.clock ?? realClock;
    if (options.initialToken) {
      registerSecret(options.initialToken);
      this.#token = options.initialToken;
      this.#readAt = this.#clock.now();
    }
  }

  /** The current token, re-reading the file if the cache expired. */
  token(): Promise<string> {
    if (this.#token !== undefined && this.#clock.now() - this.#readAt < this.reloadMs) {
      return Promise.resolve(this.#token);
    }
    this.#inflight ??= this.#read().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #read(): Promise<string> {
    try {
      const text = (await readFile(this.path, "utf8")).trim();
      if (!text) throw new Error("the file is empty");
      registerSecret(text);
      this.#token = text;
      this.#readAt = this.#clock.now();
      return text;
    } catch (err) {
      if (this.#token !== undefined) return this.#token; // keep the last good token
      throw new ConfigError(`cannot read bearer token file ${this.path}`, { file: this.path, cause: err });
    }
  }

  /** Forgets the cached token so the next call re-reads the file (after a 401). */
  invalidate(): void {
    this.#readAt = Number.NEGATIVE_INFINITY;
  }
}
