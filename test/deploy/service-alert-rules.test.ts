import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { loadOpsConfig } from '../../src/config/ops-config.js';
import { readServiceRules, serviceAlertsDir, serviceRuleFiles } from './service-rules.js';

/**
 * Issue 14, item 7: the guides' alerts ship as Prometheus rules, each at the guide's threshold. The table is the
 * guides' text: the VCCI operations guide's "Prometheus Alerts" (prometheus-alerts.yaml) and the THERMALIQ
 * maintenance guide's daily-check warnings and backup verification CronJob.
 */
const guides = {
  vcci: [
    { alert: 'HighErrorRate', metric: 'http_requests_total', comparison: '> 0.01', for: '5m', severity: 'critical' },
    {
      alert: 'HighResponseTime',
      metric: 'http_request_duration_seconds_bucket',
      comparison: '> 0.5',
      for: '10m',
      severity: 'warning',
    },
    {
      alert: 'PodCrashLooping',
      metric: 'kube_pod_container_status_restarts_total',
      comparison: '> 0',
      for: '5m',
      severity: 'critical',
    },
    {
      alert: 'HighDatabaseConnections',
      metric: 'pg_settings_max_connections',
      comparison: '> 0.8',
      for: '5m',
      severity: 'warning',
    },
    { alert: 'HighRedisMemory', metric: 'redis_memory_max_bytes', comparison: '> 0.9', for: '5m', severity: 'warning' },
    {
      alert: 'DiskSpaceLow',
      metric: 'node_filesystem_avail_bytes',
      comparison: '< 0.2',
      for: '5m',
      severity: 'warning',
    },
    {
      alert: 'CertificateExpiringSoon',
      metric: 'certmanager_certificate_expiration_timestamp_seconds',
      comparison: '/ 86400 < 30',
      for: '1h',
      severity: 'warning',
    },
    {
      alert: 'BackupFailed',
      metric: 'vcci_last_successful_backup_timestamp',
      comparison: '> 86400',
      for: '1h',
      severity: 'critical',
    },
    {
      alert: 'PodMemoryHigh',
      metric: 'container_spec_memory_limit_bytes',
      comparison: '> 0.9',
      for: '5m',
      severity: 'warning',
    },
    {
      alert: 'PodCPUThrottling',
      metric: 'container_cpu_cfs_periods_total',
      comparison: '> 0.5',
      for: '10m',
      severity: 'warning',
    },
  ],
  // The guide names no `for:`; these are the rule file's.
  thermaliq: [
    {
      alert: 'HighErrorRate',
      metric: 'thermaliq_calculation_errors_total',
      comparison: '> 0.01',
      for: '15m',
      severity: 'warning',
    },
    {
      alert: 'HighResponseTime',
      metric: 'thermaliq_calculation_duration_seconds_bucket',
      comparison: '> 20',
      for: '15m',
      severity: 'warning',
    },
    {
      alert: 'CacheHitRateLow',
      metric: 'thermaliq_cache_misses_total',
      comparison: '< 0.70',
      for: '15m',
      severity: 'warning',
    },
    {
      alert: 'BackupFailed',
      metric: 'thermaliq_last_successful_backup_timestamp',
      comparison: '> 90000',
      for: '10m',
      severity: 'critical',
    },
  ],
} as const;

/** What of a promtool unit-test file the coverage check reads. */
const unitTestSchema = z.object({
  tests: z.array(
    z.object({
      name: z.string(),
      alert_rule_test: z.array(z.object({ alertname: z.string(), exp_alerts: z.array(z.unknown()) })),
    }),
  ),
});

describe('deploy/prometheus/service-alerts: the guides alert rules', () => {
  for (const [service, file] of Object.entries(serviceRuleFiles)) {
    it(`${file} holds exactly the ${service} guide's alerts, each at its threshold, labelled for routing`, () => {
      const rules = readServiceRules(file);
      const expected = guides[service as keyof typeof guides];
      expect(rules.map((r) => r.alert).sort()).toEqual(expected.map((e) => e.alert).sort());
      for (const e of expected) {
        const rule = rules.find((r) => r.alert === e.alert);
        // The comparison with the guide's number ends the expression: nothing after it changes what fires.
        expect({ alert: e.alert, endsWith: rule?.expr.trim().endsWith(e.comparison) }).toEqual({
          alert: e.alert,
          endsWith: true,
        });
        expect(rule?.expr).toContain(e.metric);
        expect({ alert: e.alert, for: rule?.for, ...rule?.labels }).toEqual({
          alert: e.alert,
          for: e.for,
          severity: e.severity,
          team: 'platform',
          service,
          environment: 'production',
        });
      }
    });
  }

  it('agrees with the thresholds config/ops.yml gives the bot for THERMALIQ', () => {
    const thresholds = loadOpsConfig(new URL('../../config/ops.yml', import.meta.url).pathname, {}).services.thermaliq
      ?.thresholds;
    const rules = new Map(readServiceRules(serviceRuleFiles.thermaliq).map((r) => [r.alert, r.expr.trim()]));
    expect(rules.get('HighErrorRate')).toMatch(new RegExp(`> ${thresholds?.errorRate}$`));
    expect(rules.get('HighResponseTime')).toMatch(new RegExp(`> ${thresholds?.p95LatencySeconds}$`));
    expect(Number(/< ([\d.]+)$/.exec(rules.get('CacheHitRateLow') ?? '')?.[1])).toBe(thresholds?.cacheHitRate);
    expect(Number(/> (\d+)$/.exec(rules.get('BackupFailed') ?? '')?.[1])).toBe(
      (thresholds?.backupMaxAgeHours ?? 0) * 3600,
    );
  });

  // promtool comes with Debian's `prometheus` package, which scripts/ensure-services.sh installs before the tests.
  it('passes promtool check rules and the unit tests beside each file (each alert firing in one, quiet in another)', () => {
    const version = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    expect(version.status, 'promtool is missing: run scripts/ensure-services.sh (apt package prometheus)').toBe(0);
    for (const file of Object.values(serviceRuleFiles)) {
      const check = spawnSync('promtool', ['check', 'rules', file], { cwd: serviceAlertsDir, encoding: 'utf8' });
      expect(check.status, check.stdout + check.stderr).toBe(0);
      const testFile = file.replace(/\.yml$/, '.test.yml');
      const unit = spawnSync('promtool', ['test', 'rules', testFile], { cwd: serviceAlertsDir, encoding: 'utf8' });
      expect(unit.status, unit.stdout + unit.stderr).toBe(0);
      // Every alert of the file is tested both ways: firing in one test, and quiet throughout another.
      const unitTests = unitTestSchema.parse(parseYaml(readFileSync(join(serviceAlertsDir, testFile), 'utf8'))).tests;
      const untested = readServiceRules(file)
        .map((r) => r.alert)
        .filter((alert) => {
          const cases = unitTests.map((t) => t.alert_rule_test.filter((c) => c.alertname === alert));
          const fires = cases.some((cs) => cs.some((c) => c.exp_alerts.length > 0));
          const quiet = cases.some((cs) => cs.length > 0 && cs.every((c) => c.exp_alerts.length === 0));
          return !(fires && quiet);
        });
      expect(untested).toEqual([]);
    }
  });
});
