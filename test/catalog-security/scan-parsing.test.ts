import { describe, expect, it } from 'vitest';
import { imageFindings, imageTag } from '../../src/jobs/runbooks/security/audit-findings.js';
import { parseTrivyReport } from '../../src/jobs/runbooks/security/trivy-report.js';
import { trivyReport } from '../support/kube-security-fixtures.js';

describe('trivy reports and image references, as they come', () => {
  it('reads trivy JSON after a log line trivy printed first, and a report without vulnerabilities', () => {
    const image = 'ghcr.io/greenlang/thermaliq:1.4.2';
    const json = trivyReport(image, [{ id: 'CVE-2024-1', severity: 'LOW', pkg: 'zlib1g', installed: '1.2.13' }]);
    const log = `2026-12-02T10:00:00.000Z\tINFO\t[vuln] Vulnerability scanning is enabled\n${json}`;
    expect(parseTrivyReport(log)).toEqual([
      {
        id: 'CVE-2024-1',
        severity: 'LOW',
        pkg: 'zlib1g',
        installed: '1.2.13',
        title: 'zlib1g: vulnerability CVE-2024-1',
        target: `${image} (debian 12.8)`,
      },
    ]);
    expect(parseTrivyReport(trivyReport(image, []))).toEqual([]);
  });

  it('refuses a log with no report, a cut-off report, and JSON that is not trivy’s', () => {
    expect(() => parseTrivyReport('FATAL\tunable to find the specified image\n')).toThrow('no JSON report in the log');
    expect(() => parseTrivyReport(trivyReport('a:1', []).slice(0, 60))).toThrow(/cut off|does not parse/);
    expect(() => parseTrivyReport('{"Results": 3}')).toThrow(/not a trivy report/);
  });

  it('tells tags from registry ports and digests', () => {
    expect(imageTag('registry.local:5000/team/app')).toEqual({});
    expect(imageTag('registry.local:5000/team/app:2.1')).toEqual({ tag: '2.1' });
    expect(imageTag('app@sha256:abc')).toEqual({ digest: 'sha256:abc' });
    expect(
      imageFindings(['registry.local:5000/team/app', 'nginx:latest', 'app:1.0@sha256:abc', 'redis:7.2']).map(
        (f) => f.text,
      ),
    ).toEqual([
      'registry.local:5000/team/app has no tag (pulls latest, not reproducible)',
      'nginx:latest is tagged latest',
    ]);
  });
});
