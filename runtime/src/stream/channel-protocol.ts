// The channel protocol of exec and attach over WebSocket, as data and pure
// functions (apimachinery pkg/util/remotecommand/constants.go; the framing of
// k8s.io/streaming pkg/httpstream/wsstream/conn.go). It owns:
//   - the subprotocol names kubegen offers, in order (v5.channel.k8s.io,
//     then v4.channel.k8s.io), and what each supports (only v5 has the
//     half-close signal for stdin);
//   - the channel numbers, and framing: each binary message is one channel
//     byte then the payload (an empty payload is legal: the server's first
//     message is one), and the 2-byte close signal `[255, channel]`;
//   - the resize message, a JSON `{"Width":w,"Height":h}` on channel 4;
//   - reading the Status the server writes on channel 3 at the end, and
//     deciding what it means: success, an exit code, or another failure;
//   - the request (path and query) for pods/exec and pods/attach, built with
//     the REST path-segment escaping and PodExecOptions/PodAttachOptions names.
// No I/O here: stream/websocket.ts dials, stream/exec.ts runs a session.

import type { Status } from "../meta/types.js";
import { RequestBuildError, resourcePath } from "../rest/build-request.js";
import type { HttpRequest } from "../transport/transport.js";

/** The v5 subprotocol: v4 plus the close signal (Kubernetes 1.30+). */
export const PROTOCOL_V5 = "v5.channel.k8s.io";
/** The v4 subprotocol: JSON Status on the error channel, no close signal. */
export const PROTOCOL_V4 = "v4.channel.k8s.io";
/** What kubegen offers, preferred first (client-go offers only v5; v4 is the fallback for older servers and pass-through kubelets). */
export const CHANNEL_PROTOCOLS: readonly string[] = [PROTOCOL_V5, PROTOCOL_V4];

/** Channel numbers (apimachinery remotecommand constants). */
export const StreamChannel = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  /** The Status at the end (v4 and v5). */
  error: 3,
  /** Terminal size messages from the client. */
  resize: 4,
  /** The close signal: `[255, channel]` half-closes `channel` (v5 only). */
  close: 255,
} as const;

/** Whether a negotiated subprotocol supports the stdin close signal. */
export function supportsClose(protocol: string): boolean {
  return protocol === PROTOCOL_V5;
}

/** A terminal size in character cells. */
export interface TerminalSize {
  width: number;
  height: number;
}

/** One decoded message: its channel and payload (possibly empty). */
export interface ChannelFrame {
  channel: number;
  data: Buffer;
}

/** A message for `channel` carrying `data`. */
export function encodeFrame(channel: number, data: Uint8Array | string = Buffer.alloc(0)): Buffer {
  const payload = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const out = Buffer.allocUnsafe(1 + payload.length);
  out[0] = channel;
  out.set(payload, 1);
  return out;
}

/** The close signal for `channel` (v5). */
export function encodeClose(channel: number): Buffer {
  return Buffer.from([StreamChannel.close, channel]);
}

/**
 * The resize message: `{"Width":w,"Height":h}` on channel 4 (client-go
 * tools/remotecommand/resize.go TerminalSize has untagged fields, so the
 * server decodes these capitalised names). Sizes are whole cells, 0..65535.
 */
export function encodeResize(size: TerminalSize): Buffer {
  const cell = (n: number, what: string): number => {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) {
      throw new RangeError(`terminal ${what} must be an integer from 0 to 65535, not ${String(n)}`);
    }
    return n;
  };
  return encodeFrame(StreamChannel.resize, JSON.stringify({ Width: cell(size.width, "width"), Height: cell(size.height, "height") }));
}

/**
 * Splits a received message into channel and payload, or undefined for a
 * message with no channel byte (ignored, as the server ignores them).
 * `data` is not copied: the payload is a view of it.
 */
export function decodeFrame(data: Buffer): ChannelFrame | undefined {
  if (data.length === 0) return undefined;
  return { channel: data[0]!, data: data.subarray(1) };
}

/** What the Status on channel 3 says about the command. */
export type StatusOutcome =
  | { kind: "success" }
  | { kind: "exit"; exitCode: number; status: Status }
  | { kind: "failure"; status: Status };

/**
 * Reads the channel-3 bytes. Returns undefined when they are not a JSON
 * object with a string `status` (the caller reports that as a protocol
 * error). A `Failure` with reason `NonZeroExitCode` and an `ExitCode` cause
 * whose message is an integer is an exit code (apiserver
 * pkg/util/proxy/streamtranslator.go writes it so); any other Failure is a
 * failure whose Status gets code 500 when it has none.
 */
export function parseStatus(bytes: Buffer): StatusOutcome | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || typeof (value as { status?: unknown }).status !== "string") {
    return undefined;
  }
  const status = value as Status;
  if (status.status === "Success") return { kind: "success" };
  if (status.reason === "NonZeroExitCode") {
    const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
    if (cause && typeof cause.message === "string" && /^-?\d+$/.test(cause.message.trim())) {
      return { kind: "exit", exitCode: Number(cause.message.trim()), status };
    }
  }
  return { kind: "failure", status: { ...status, code: status.code || 500 } };
}

/** Which streams a session asks for. */
export interface StreamFlags {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** What the exec and attach requests address. */
export interface PodStreamTarget {
  namespace: string;
  /** The pod's name. */
  name: string;
  /** The container; the server picks the only (or default) one when omitted. */
  container?: string | undefined;
}

/**
 * The request for `pods/exec` (with `command`) or `pods/attach`. Names are
 * escaped (and rejected when empty, `.`, `..`, or holding `/` or `%`) as
 * every REST path is; the query uses the PodExecOptions names, one
 * `command` per argument, and is encoded by URLSearchParams when sent.
 * @throws RequestBuildError for a bad name, an empty command, or no stream requested.
 */
export function buildStreamRequest(
  subresource: "exec" | "attach",
  target: PodStreamTarget,
  flags: StreamFlags,
  command?: readonly string[],
): Pick<HttpRequest, "method" | "path" | "query"> {
  if (!flags.stdin && !flags.stdout && !flags.stderr) {
    throw new RequestBuildError(`${subresource} ${target.name}: at least one of stdin, stdout and stderr must be requested`);
  }
  if (target.namespace === "" || target.namespace === undefined) {
    throw new RequestBuildError(`${subresource} ${target.name}: a namespace is required`);
  }
  if (target.name === "" || target.name === undefined) {
    throw new RequestBuildError(`${subresource}: the pod name may not be empty`);
  }
  const path = resourcePath({
    version: "v1",
    resource: "pods",
    namespace: target.namespace,
    name: target.name,
    subresource,
  });
  const query: Array<[string, string]> = [];
  if (target.container !== undefined) {
    if (target.container === "") throw new RequestBuildError(`${subresource} ${target.name}: the container name may not be empty`);
    query.push(["container", target.container]);
  }
  for (const name of ["stdin", "stdout", "stderr", "tty"] as const) if (flags[name]) query.push([name, "true"]);
  if (subresource === "exec") {
    if (!command || command.length === 0) throw new RequestBuildError(`exec ${target.name}: the command may not be empty`);
    for (const word of command) {
      if (typeof word !== "string") throw new RequestBuildError(`exec ${target.name}: every command word must be a string`);
      query.push(["command", word]);
    }
  }
  return { method: "GET", path, query };
}
