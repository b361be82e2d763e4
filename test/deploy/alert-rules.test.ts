import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { createMetrics } from '../../src/metrics/metrics.js';
import { parseExposition } from '../support/exposition.js';
import { deployDir } from './manifests.js';

const rulesFile = join(deployDir, 'prometheus', 'alert-rules.yml');

const alertRule = z
  .object({
    alert: z.string().regex(/^ChatOps[A-Za-z0-9]+$/),
    expr: z.string().min(1),
    for: z.string().regex(/^\d+[smh]$/),
    labels: z.object({ severity: z.enum(['warning', 'critical']), team: z.string() }).strict(),
    annotations: z.object({ summary: z.string().min(10), description: z.string().min(10) }).strict(),
  })
  .strict();
const rulesSchema = z.object({
  groups: z.array(z.object({ name: z.string(), interval: z.string(), rules: z.array(alertRule).min(1) })).length(1),
});

/** Metrics the rules may use that are not the bot's own: Prometheus' `up` and kube-state-metrics. */
const foreignMetrics = new Set(['up', 'kube_pod_container_status_restarts_total']);

describe('deploy/prometheus/alert-rules.yml', () => {
  const rules = rulesSchema.parse(parseYaml(readFileSync(rulesFile, 'utf8'))).groups.flatMap((g) => g.rules);
  const byName = new Map(rules.map((r) => [r.alert, r]));

  it('alerts on what the issue names: workers down, no runs succeeding, outbox, 429s, queue depth, expiring approvals', () => {
    expect(byName.get('ChatOpsWorkerDown')?.expr).toMatch(/^up\{job="thermaliq-chatops-worker"\} == 0$/);
    expect(byName.get('ChatOpsNoRunsSucceeding')?.expr).toContain('chatops_runs_total{status="succeeded"}');
    expect(byName.get('ChatOpsOutboxBacklogGrowing')?.expr).toContain('chatops_outbox_backlog');
    expect(byName.get('ChatOpsSlackRateLimited')?.expr).toContain('chatops_slack_api_rate_limited_total');
    expect(byName.get('ChatOpsQueueDepthHigh')?.expr).toContain('chatops_queue_jobs');
    expect(byName.get('ChatOpsApprovalsExpiring')?.expr).toContain('decision="expired"');
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it('names only metrics /metrics really exposes, with label values the code really sets', async () => {
    const exposed = parseExposition(await createMetrics().render());
    const families = new Set(exposed.types.keys());
    const unknown: string[] = [];
    for (const r of rules) {
      // A metric is a name followed by a selector or range: `name{`, `name[`, or a bare `name ` before an operator.
      for (const [, name] of r.expr.matchAll(/\b([a-z_][a-z0-9_]*)\s*(?=[{[]|\s*(?:==|>|<|\)|$))/g)) {
        if (!name || foreignMetrics.has(name) || ['by', 'on', 'le', 'without'].includes(name)) continue;
        const family = name.replace(/_(bucket|sum|count)$/, '');
        if (!families.has(family) && !families.has(name)) unknown.push(`${r.alert}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
    // The label values the rules filter on are the ones the typed API can record.
    const expr = rules.map((r) => r.expr).join('\n');
    expect(expr).toContain('status="succeeded"');
    expect(expr).toContain('status="failed"');
    expect(expr).toContain('outcome=~"error|ack_timeout"');
    expect(expr).toContain('error!="ratelimited"');
    expect(expr).toContain('source="queue_depth"');
    expect(expr).toContain('state="waiting"');
  });

  // promtool comes with Debian's `prometheus` package, which scripts/ensure-services.sh installs before the tests.
  it('passes promtool check rules and its unit tests (alert-rules.test.yml)', () => {
    const version = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    expect(version.status, 'promtool is missing: run scripts/ensure-services.sh (apt package prometheus)').toBe(0);
    const check = spawnSync('promtool', ['check', 'rules', rulesFile], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const unit = spawnSync('promtool', ['test', 'rules', 'alert-rules.test.yml'], {
      cwd: join(deployDir, 'prometheus'),
      encoding: 'utf8',
    });
    expect(unit.status, unit.stdout + unit.stderr).toBe(0);
  });
});
