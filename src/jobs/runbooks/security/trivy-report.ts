import { z } from 'zod';

/** trivy's severities, from least to most severe, as `--severity` takes them. */
export const trivySeverities = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
/** One trivy severity. */
export type TrivySeverity = (typeof trivySeverities)[number];

// The parts of `trivy image --format json` (schema version 2) the report uses; trivy adds fields freely.
const vulnerabilitySchema = z.object({
  VulnerabilityID: z.string(),
  PkgName: z.string(),
  InstalledVersion: z.string().default(''),
  FixedVersion: z.string().optional(),
  Severity: z.enum(trivySeverities).catch('UNKNOWN'),
  Title: z.string().optional(),
});
const trivySchema = z.object({
  ArtifactName: z.string().optional(),
  Results: z
    .array(
      z.object({
        Target: z.string(),
        Class: z.string().optional(),
        Vulnerabilities: z.array(vulnerabilitySchema).nullish(),
      }),
    )
    .nullish(),
});

/** One vulnerability trivy found, with the target (OS packages, a lock file) it was found in. */
export interface Vulnerability {
  id: string;
  severity: TrivySeverity;
  pkg: string;
  installed: string;
  fixed?: string;
  title?: string;
  target: string;
}

/**
 * The vulnerabilities of one trivy JSON report. The pod log may carry lines before the JSON (a log line trivy
 * wrote despite --quiet), so parsing starts at the first line that opens an object. Throws when there is none.
 */
export function parseTrivyReport(log: string): Vulnerability[] {
  const start = log.startsWith('{') ? 0 : log.indexOf('\n{') + 1;
  const end = log.lastIndexOf('}');
  if (start <= 0 && !log.startsWith('{')) throw new Error('no JSON report in the log');
  if (end < start) throw new Error('the JSON report in the log is cut off');
  let json: unknown;
  try {
    json = JSON.parse(log.slice(start, end + 1));
  } catch (err) {
    throw new Error(`the JSON report does not parse: ${err instanceof Error ? err.message : String(err)}`);
  }
  const report = trivySchema.safeParse(json);
  if (!report.success) throw new Error(`not a trivy report: ${report.error.issues[0]?.message ?? 'unknown shape'}`);
  return (report.data.Results ?? []).flatMap((r) =>
    (r.Vulnerabilities ?? []).map((v) => ({
      id: v.VulnerabilityID,
      severity: v.Severity,
      pkg: v.PkgName,
      installed: v.InstalledVersion,
      ...(v.FixedVersion ? { fixed: v.FixedVersion } : {}),
      ...(v.Title ? { title: v.Title } : {}),
      target: r.Target,
    })),
  );
}
