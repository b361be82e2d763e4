import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deployDir, loadManifests } from './manifests.js';

const root = join(deployDir, '..');
const dockerfile = readFileSync(join(deployDir, 'Dockerfile'), 'utf8');
/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const pkg = z
  .object({ dependencies: z.record(z.string(), z.string()), devDependencies: z.record(z.string(), z.string()) })
  .parse(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.ts$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** The npm package an import specifier names, or undefined for relative paths and Node built-ins. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Packages src/ loads at run time (type-only imports are erased, so they do not count). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const typeOnly =
        clause?.isTypeOnly === true ||
        (clause !== undefined &&
          clause.name === undefined &&
          bindings !== undefined &&
          ts.isNamedImports(bindings) &&
          bindings.elements.length > 0 &&
          bindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) found.push(node.moduleSpecifier.text);
    }
    if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.isTypeOnly) found.push(node.moduleSpecifier.text);
    }
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.flatMap((s) => {
    const p = packageOf(s);
    return p ? [`${p} (${relative(root, file)})`] : [];
  });
}

describe('deploy/Dockerfile', () => {
  it('builds on Node 24 LTS slim (bookworm) with the PostgreSQL client tools', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
    expect(instructions.filter((l) => l.startsWith('FROM ')).every((l) => l.includes('$'.concat('{NODE_IMAGE}')))).toBe(
      true,
    );
    const apt = instructions.find((l) => l.includes('apt-get install'));
    expect(apt).toContain('--no-install-recommends');
    expect(apt).toContain('postgresql-client');
    // The weekly digest renders its chart text with DejaVu Sans.
    expect(apt).toContain('fonts-dejavu-core');
    // The image proves at build time that the three tools the runbooks spawn are there.
    for (const tool of ['pg_dump', 'psql', 'pg_restore']) expect(apt).toContain(`${tool} --version`);
  });

  it('compiles in a build stage and installs production dependencies only in the image', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's own build argument.
    expect(instructions).toContain('FROM ${NODE_IMAGE} AS build');
    expect(instructions).toContain('RUN node scripts/build.mjs');
    expect(instructions.some((l) => /npm ci .*--omit=dev/.test(l))).toBe(true);
    // The image runs compiled JavaScript: neither tsx nor the compiler is needed at run time.
    expect(pkg.dependencies.tsx).toBeUndefined();
    expect(pkg.dependencies.typescript).toBeUndefined();
    // The runtime is the base image's Node 24; the `node` package only brings it to machines with an older one.
    expect(pkg.devDependencies.node).toMatch(/^\^24\./);
  });

  it('every package src/ loads at run time is a production dependency (so --omit=dev leaves nothing out)', () => {
    const missing = [
      ...new Set(
        sourceFiles(join(root, 'src')).flatMap((f) =>
          runtimeImports(f).filter((entry) => pkg.dependencies[entry.split(' ')[0] ?? ''] === undefined),
        ),
      ),
    ].sort();
    expect(missing, 'move these to "dependencies" in package.json').toEqual([]);
  });

  it('copies the code and config, runs as the non-root uid the Deployments expect, and checks /healthz', () => {
    expect(instructions).toContain('COPY --from=build --chown=root:root /app/dist ./dist');
    expect(instructions).toContain('COPY --chown=root:root config ./config');
    const user = instructions.filter((l) => l.startsWith('USER ')).pop();
    expect(user).toBe('USER 10001:10001');
    for (const d of loadManifests().filter((m) => m.kind === 'Deployment')) {
      const uid = z
        .object({
          spec: z.object({
            template: z.object({ spec: z.object({ securityContext: z.object({ runAsUser: z.number() }) }) }),
          }),
        })
        .parse(d.body).spec.template.spec.securityContext.runAsUser;
      expect(uid, d.name).toBe(10001);
    }
    const health = instructions.find((l) => l.startsWith('HEALTHCHECK'));
    expect(health).toContain('/healthz');
    expect(health).toContain('process.env.PORT');
  });

  it('starts node directly under tini (signals reach the drain logic), exactly as `npm start` runs it', () => {
    expect(instructions).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]');
    const start = z
      .object({ scripts: z.object({ start: z.string() }) })
      .parse(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))).scripts.start;
    expect(start).toMatch(/^node .*dist\/main\.js$/);
    expect(instructions).toContain(`CMD ${JSON.stringify(start.split(' '))}`.replace(/","/g, '", "'));
    expect(readFileSync(join(root, 'src', 'main.ts'), 'utf8')).toMatch(/process\.on\('SIGTERM'/);
  });
});
