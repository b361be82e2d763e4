import { countOf } from '../../../format/words.js';
import type { NodeSummary } from '../../../infra/kube-types.js';
import type { HealthCheck } from '../check.js';
import { type CheckOutcome, kubeNotConfigured, notMeasured } from './outcome.js';

/** Cluster nodes: every node Ready, else fail (the VCCI guide's first check). */
export const nodesCheck: HealthCheck = {
  id: 'nodes',
  title: 'Nodes',
  async run(ctx): Promise<CheckOutcome> {
    const kube = ctx.infra.kube;
    if (!kube) return kubeNotConfigured(ctx);
    let nodes: NodeSummary[];
    try {
      nodes = await kube.listNodes({ signal: ctx.signal });
    } catch (err) {
      return notMeasured(ctx, err);
    }
    const threshold = 'all Ready';
    const details = nodes.map(
      (n) =>
        `${n.name} · ${n.ready ? 'Ready' : `NotReady (${n.reason})`}${n.unschedulable ? ' · cordoned' : ''}` +
        `${n.kubeletVersion ? ` · ${n.kubeletVersion}` : ''}`,
    );
    if (nodes.length === 0)
      return { status: 'fail', value: '0 nodes', threshold, summary: 'The cluster lists no nodes' };
    const notReady = nodes.filter((n) => !n.ready);
    const value = `${nodes.length - notReady.length}/${nodes.length} Ready`;
    if (notReady.length > 0) {
      const names = notReady.map((n) => `${n.name} (${n.reason})`).join(', ');
      return {
        status: 'fail',
        value,
        threshold,
        summary: `${notReady.length} of ${countOf(nodes.length, 'node')} not Ready: ${names}`,
        details,
      };
    }
    const cordoned = nodes.filter((n) => n.unschedulable).length;
    const note = cordoned > 0 ? ` (${cordoned} cordoned)` : '';
    return {
      status: 'ok',
      value,
      threshold,
      summary: `${nodes.length === 1 ? 'The node is' : `All ${countOf(nodes.length, 'node')}`} Ready${note}`,
      details,
    };
  },
};
