import { z } from 'zod';

/** One package `pip list --outdated --format=json` reports. */
export interface OutdatedPackage {
  name: string;
  version: string;
  latest: string;
}

/** One known vulnerability pip-audit reports for an installed package. */
export interface Vulnerability {
  package: string;
  version: string;
  id: string;
  aliases: string[];
  fixVersions: string[];
  /** pip-audit's JSON carries no severity; a wrapper or a future version may add one. */
  severity: Severity;
}

/** Severities, worst first; `unrated` when the report gives none. */
export const severities = ['critical', 'high', 'medium', 'low', 'unrated'] as const;
/** A vulnerability's severity. */
export type Severity = (typeof severities)[number];

/** What pip-audit found: vulnerabilities, and the packages it could not audit (with its reason). */
export interface AuditFindings {
  vulnerabilities: Vulnerability[];
  audited: number;
  skipped: { name: string; reason: string }[];
}

// pip's JSON list format: [{"name", "version", "latest_version", "latest_filetype"}].
const outdatedSchema = z.array(z.object({ name: z.string(), version: z.string(), latest_version: z.string() }).loose());

/** Parses `pip list --outdated --format=json`; throws when it is not that. */
export function parseOutdated(stdout: string): OutdatedPackage[] {
  return outdatedSchema
    .parse(JSON.parse(stdout))
    .map((p) => ({ name: p.name, version: p.version, latest: p.latest_version }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const vulnSchema = z
  .object({
    id: z.string(),
    fix_versions: z.array(z.string()).default([]),
    aliases: z.array(z.string()).default([]),
    severity: z.string().optional(),
  })
  .loose();

const skippedSchema = z.object({ name: z.string(), skip_reason: z.string() }).loose();
const auditedSchema = z
  .object({ name: z.string(), version: z.string(), vulns: z.array(vulnSchema).default([]) })
  .loose();
const dependencySchema = z.union([skippedSchema, auditedSchema]);

// pip-audit 2.x: {"dependencies": [...], "fixes": [...]}; 1.x printed the dependency array alone.
const auditSchema = z.union([z.object({ dependencies: z.array(dependencySchema) }).loose(), z.array(dependencySchema)]);

function severityOf(text: string | undefined): Severity {
  const lower = (text ?? '').toLowerCase();
  if (lower === 'moderate') return 'medium';
  return severities.find((s) => s === lower) ?? 'unrated';
}

/** Parses `pip-audit -f json`; throws when it is not that. */
export function parseAudit(stdout: string): AuditFindings {
  const parsed = auditSchema.parse(JSON.parse(stdout));
  const dependencies = Array.isArray(parsed) ? parsed : parsed.dependencies;
  const findings: AuditFindings = { vulnerabilities: [], audited: 0, skipped: [] };
  for (const dep of dependencies) {
    const skipped = skippedSchema.safeParse(dep);
    if (skipped.success) {
      findings.skipped.push({ name: skipped.data.name, reason: skipped.data.skip_reason });
      continue;
    }
    const audited = auditedSchema.parse(dep);
    findings.audited += 1;
    for (const v of audited.vulns) {
      findings.vulnerabilities.push({
        package: audited.name,
        version: audited.version,
        id: v.id,
        aliases: v.aliases,
        fixVersions: v.fix_versions,
        severity: severityOf(v.severity),
      });
    }
  }
  findings.vulnerabilities.sort(
    (a, b) =>
      severities.indexOf(a.severity) - severities.indexOf(b.severity) ||
      a.package.localeCompare(b.package) ||
      a.id.localeCompare(b.id),
  );
  return findings;
}
