import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:http';
import { cloneJson, type JsonObject } from './json-value.js';
import { kubeNotFound, kubeStatus, kubeUnknownPath } from './kube-status.js';
import { readRequestBody, sendJson, startLocalHttpServer } from './local-http-server.js';

/**
 * A Kubernetes API front on 127.0.0.1 that serves what {@link FakeKube} lacks (autoscaling/v2 HPAs and core v1
 * Services, read-only) and forwards every other request unchanged to the FakeKube at `upstream`. Point the
 * client at `url`; the FakeKube's request log still sees everything else.
 */
export interface FakeKubeExtensions {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The FakeKube's URL; set it once the FakeKube runs. */
  upstream: string;
  /** Requests this front answered itself (HPAs and Services), in arrival order. */
  readonly requests: { method: string; path: string }[];
  /** When false, autoscaling/v2 answers 404 like a cluster that does not serve it. */
  autoscalingServed: boolean;
  addAutoscaler(namespace: string, hpa: JsonObject): void;
  addService(namespace: string, service: JsonObject): void;
  close(): Promise<void>;
}

const hpaPath = /^\/apis\/autoscaling\/v2\/namespaces\/([^/]+)\/horizontalpodautoscalers(?:\/([^/]+))?$/;
const servicePath = /^\/api\/v1\/namespaces\/([^/]+)\/services(?:\/([^/]+))?$/;

function nameOf(obj: JsonObject): string {
  const meta = obj.metadata;
  const name = typeof meta === 'object' && meta !== null && !Array.isArray(meta) ? meta.name : undefined;
  if (typeof name !== 'string') throw new Error('object without metadata.name');
  return name;
}

/** Starts the front; requests it does not serve fail with 502 until `upstream` is set. */
export async function startFakeKubeExtensions(): Promise<FakeKubeExtensions> {
  const hpas = new Map<string, JsonObject>();
  const services = new Map<string, JsonObject>();
  const requests: { method: string; path: string }[] = [];
  const state = { upstream: '', autoscalingServed: true };

  function serve(
    res: ServerResponse,
    store: Map<string, JsonObject>,
    kind: string,
    apiVersion: string,
    plural: string,
    group: string,
    namespace: string,
    name: string | undefined,
  ): void {
    if (name !== undefined) {
      const found = store.get(`${namespace}/${name}`);
      if (found) sendJson(res, 200, found);
      else sendJson(res, 404, kubeNotFound(plural, group, name));
      return;
    }
    // Typed lists carry apiVersion/kind on the list, not on the items.
    const items = [...store]
      .filter(([key]) => key.startsWith(`${namespace}/`))
      .map(([, obj]) => {
        const copy = cloneJson(obj);
        delete copy.apiVersion;
        delete copy.kind;
        return copy;
      });
    sendJson(res, 200, { kind: `${kind}List`, apiVersion, metadata: { resourceVersion: '4300' }, items });
  }

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (state.upstream === '') {
      sendJson(res, 502, kubeStatus(502, 'fake-kube-extensions: no upstream set'));
      return;
    }
    const body = await readRequestBody(req);
    const target = new URL(req.url ?? '/', state.upstream);
    await new Promise<void>((resolve, reject) => {
      const out = request(
        target,
        { method: req.method, headers: { ...req.headers, host: target.host } },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
          upstreamRes.on('end', resolve);
          upstreamRes.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }

  const server = await startLocalHttpServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const method = req.method ?? 'GET';
    const hpa = hpaPath.exec(path);
    const svc = servicePath.exec(path);
    if (!hpa && !svc) return forward(req, res);
    requests.push({ method, path });
    await readRequestBody(req);
    if (method !== 'GET') {
      sendJson(res, 405, kubeStatus(405, 'the server does not allow this method on the requested resource', {}));
      return;
    }
    if (hpa) {
      if (!state.autoscalingServed) {
        sendJson(res, 404, kubeUnknownPath());
        return;
      }
      const [, namespace = '', name] = hpa;
      serve(
        res,
        hpas,
        'HorizontalPodAutoscaler',
        'autoscaling/v2',
        'horizontalpodautoscalers',
        'autoscaling',
        namespace,
        name,
      );
      return;
    }
    const [, namespace = '', name] = svc ?? [];
    serve(res, services, 'Service', 'v1', 'services', '', namespace, name);
  });

  return {
    url: server.origin,
    requests,
    get upstream() {
      return state.upstream;
    },
    set upstream(url: string) {
      state.upstream = url;
    },
    get autoscalingServed() {
      return state.autoscalingServed;
    },
    set autoscalingServed(served: boolean) {
      state.autoscalingServed = served;
    },
    addAutoscaler(namespace, obj) {
      hpas.set(`${namespace}/${nameOf(obj)}`, cloneJson(obj));
    },
    addService(namespace, obj) {
      services.set(`${namespace}/${nameOf(obj)}`, cloneJson(obj));
    },
    close: () => server.close(),
  };
}
