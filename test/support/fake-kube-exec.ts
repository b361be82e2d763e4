import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { isJsonObject, type JsonObject, objectAt, stringAt } from './json-value.js';
import { kubeNotFound, kubeStatus } from './kube-status.js';

/** One exec the fake API server started: where, and the argv exactly as the `command` parameters gave it. */
export interface ExecCall {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  /** The subprotocol negotiated with the client (`v5.channel.k8s.io` or `v4.channel.k8s.io`). */
  protocol: string;
}

/** What a handler writes while its command "runs"; `signal` aborts when the client goes away. */
export interface ExecIO {
  stdout(text: string | Buffer): void;
  stderr(text: string | Buffer): void;
  signal: AbortSignal;
}

/**
 * How a command ended: an exit code (0 is `Success`, anything else `NonZeroExitCode`), or a raw status for what the
 * runtime reports instead (e.g. {@link execNotFoundStatus}); `hang` never ends it, until the client goes away.
 */
export type ExecOutcome = { exitCode: number } | { status: JsonObject } | { hang: true };

/** Answers one exec; handlers are per test ({@link FakeKube.onExec}). */
export type ExecHandler = (call: ExecCall, io: ExecIO) => ExecOutcome | Promise<ExecOutcome>;

/** The protocols the API server speaks that carry the exit code on channel 3, best first. */
export const execProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

const channel = { stdout: 1, stderr: 2, status: 3 } as const;

/** The status containerd gives for an argv[0] the container does not have, as the API server relays it. */
export function execNotFoundStatus(executable: string): JsonObject {
  const cause = `error executing command in container: failed to exec in container: failed to start exec "5f0c": OCI runtime exec failed: exec failed: unable to start container process: exec: "${executable}": executable file not found in $PATH: unknown`;
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${cause}`,
    reason: 'InternalError',
    details: { causes: [{ message: cause }] },
    code: 500,
  };
}

/** The status channel's message for an exit code, as the kubelet's remotecommand v4 writer sends it. */
export function exitStatus(exitCode: number, command: readonly string[]): JsonObject {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** What the exec endpoint needs from the API server it is part of. */
export interface ExecHost {
  findPod(namespace: string, name: string): JsonObject | undefined;
  /** Records the request in the server's request log. */
  record(req: { method: string; path: string; query: Record<string, string> }): void;
  /** The Status of an injected fault for this path, if any. */
  fault(path: string, method: string): JsonObject | undefined;
  /** Whether requests to this path are to be left hanging. */
  hangs(path: string): boolean;
}

const execPath = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/;

function containerNames(pod: JsonObject): string[] {
  const containers = objectAt(pod, 'spec')?.containers;
  return Array.isArray(containers)
    ? containers.flatMap((c) => (isJsonObject(c) && typeof c.name === 'string' ? [c.name] : []))
    : [];
}

function truthy(value: string | null): boolean {
  return value === 'true' || value === '1';
}

/** Writes a Status as a plain HTTP response on a socket that asked for an upgrade, and closes it. */
function refuse(socket: Socket, status: JsonObject): void {
  const code = typeof status.code === 'number' ? status.code : 500;
  const body = Buffer.from(JSON.stringify(status));
  socket.end(
    `HTTP/1.1 ${code} ${String(status.reason ?? 'Error')}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString('utf8')}`,
  );
}

/**
 * The pods/exec subresource over WebSocket, as the API server serves it: the GET upgrade with `command` (repeated),
 * `container`, `stdout`, `stderr`, `stdin` and `tty`; subprotocol negotiation (v5, then v4); binary frames prefixed
 * with the channel byte (1 stdout, 2 stderr, 3 the status JSON), then a normal close. Refusals before the upgrade are
 * HTTP Status responses (400 without an upgrade or a command, 404 for a missing pod, 400 for a bad container).
 */
export class ExecEndpoint {
  readonly calls: ExecCall[] = [];
  handler: ExecHandler | undefined;
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => execProtocols.find((p) => offered.has(p)) ?? false,
  });
  private readonly sockets = new Set<Socket>();
  private readonly clients = new Set<WebSocket>();

  constructor(private readonly host: ExecHost) {}

  /** Whether this endpoint serves the path (so a plain, non-upgrade request to it can be refused the API's way). */
  static serves(path: string): boolean {
    return execPath.test(path);
  }

  /** The answer to a plain HTTP request (no upgrade) for an exec path. */
  static upgradeRequired(): JsonObject {
    return kubeStatus(400, 'Upgrade request required');
  }

  /** Handles an HTTP upgrade request; anything that is not an exec path gets a 404 Status. */
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    this.host.record({ method: (req.method ?? 'GET').toUpperCase(), path: url.pathname, query });
    const match = execPath.exec(url.pathname);
    if (!match) {
      refuse(socket, kubeStatus(404, 'the server could not find the requested resource', {}));
      return;
    }
    if (this.host.hangs(url.pathname)) return;
    const fault = this.host.fault(url.pathname, req.method ?? 'GET');
    if (fault) {
      refuse(socket, fault);
      return;
    }
    const namespace = decodeURIComponent(match[1] ?? '');
    const podName = decodeURIComponent(match[2] ?? '');
    const pod = this.host.findPod(namespace, podName);
    if (!pod) {
      refuse(socket, kubeNotFound('pods', '', podName));
      return;
    }
    const command = url.searchParams.getAll('command');
    if (command.length === 0) {
      refuse(socket, kubeStatus(400, 'you must specify at least 1 command'));
      return;
    }
    if (!['stdin', 'stdout', 'stderr'].some((s) => truthy(url.searchParams.get(s)))) {
      refuse(socket, kubeStatus(400, 'you must specify at least 1 of stdin, stdout, stderr'));
      return;
    }
    const names = containerNames(pod);
    const requested = url.searchParams.get('container') ?? '';
    if (requested === '' && names.length > 1) {
      refuse(
        socket,
        kubeStatus(400, `a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]`),
      );
      return;
    }
    const container = requested === '' ? (names[0] ?? '') : requested;
    if (!names.includes(container)) {
      refuse(socket, kubeStatus(400, `container ${container} is not valid for pod ${podName}`));
      return;
    }
    if (stringAt(objectAt(pod, 'status'), 'phase') !== 'Running') {
      refuse(socket, kubeStatus(400, `unable to upgrade connection: container not found ("${container}")`));
      return;
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!execProtocols.some((p) => offered.includes(p))) {
      refuse(
        socket,
        kubeStatus(400, `unable to upgrade: none of the offered subprotocols is supported: [${offered.join(' ')}]`),
      );
      return;
    }
    const streams = { stdout: truthy(url.searchParams.get('stdout')), stderr: truthy(url.searchParams.get('stderr')) };
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.clients.add(ws);
      const call: ExecCall = { namespace, pod: podName, container, command, protocol: ws.protocol };
      this.calls.push(call);
      void this.run(ws, call, streams);
    });
  }

  private async run(ws: WebSocket, call: ExecCall, streams: { stdout: boolean; stderr: boolean }): Promise<void> {
    const gone = new AbortController();
    ws.on('close', () => {
      this.clients.delete(ws);
      gone.abort(new Error('client closed the exec stream'));
    });
    // Clients send stdin (channel 0) and, on v5, close frames (255); neither matters to these commands.
    ws.on('message', () => {});
    const send = (ch: number, data: string | Buffer) => {
      if (ws.readyState !== ws.OPEN) return;
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      ws.send(Buffer.concat([Buffer.from([ch]), bytes]), { binary: true });
    };
    const io: ExecIO = {
      stdout: (d) => streams.stdout && send(channel.stdout, d),
      stderr: (d) => streams.stderr && send(channel.stderr, d),
      signal: gone.signal,
    };
    const handler = this.handler;
    let outcome: ExecOutcome;
    try {
      outcome = handler ? await handler(call, io) : { status: execNotFoundStatus(call.command[0] ?? '') };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      outcome = { status: kubeStatus(500, `Internal error occurred: ${message}`, { causes: [{ message }] }) };
    }
    if ('hang' in outcome) return;
    const status = 'status' in outcome ? outcome.status : exitStatus(outcome.exitCode, call.command);
    send(channel.status, JSON.stringify(status));
    if (ws.readyState === ws.OPEN) ws.close(1000);
  }

  /** Drops every open exec stream and pending upgrade. */
  close(): void {
    for (const ws of this.clients) ws.terminate();
    this.clients.clear();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.wss.close();
  }
}
