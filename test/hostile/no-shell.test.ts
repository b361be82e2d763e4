import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const srcDir = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Programs that interpret a command string: spawning one of them is a shell by another name. */
const shells = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'fish', 'cmd', 'cmd.exe', 'powershell', 'pwsh', 'env']);
const childProcess = new Set(['child_process', 'node:child_process']);
/** What may be imported from child_process: spawn, and types. */
const allowedImports = new Set(['spawn', 'ChildProcess', 'SpawnOptions', 'ChildProcessWithoutNullStreams']);

/** Every way a file of src/ could reach a shell, as `path:line: what`. */
function shellUses(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
  const where = (node: ts.Node) =>
    `${relative(root, path)}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const found: string[] = [];
  const spawnNames = new Set<string>();

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (childProcess.has(node.moduleSpecifier.text)) {
        const bindings = node.importClause?.namedBindings;
        if (node.importClause?.name || !bindings || !ts.isNamedImports(bindings)) {
          found.push(`${where(node)}: child_process imported whole (only { spawn } is allowed)`);
        } else {
          for (const el of bindings.elements) {
            const imported = (el.propertyName ?? el.name).text;
            if (!allowedImports.has(imported)) found.push(`${where(el)}: imports ${imported} from child_process`);
            if (imported === 'spawn') spawnNames.add(el.name.text);
          }
        }
      }
    }
    // require('child_process') or import('child_process') dodge the import check.
    if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0]) &&
      childProcess.has(node.arguments[0].text)
    ) {
      found.push(`${where(node)}: loads child_process dynamically`);
    }
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && spawnNames.has(node.expression.text)) {
      const [program, args, options] = node.arguments;
      if (program && ts.isStringLiteralLike(program)) {
        const base = program.text.split('/').pop() ?? '';
        if (shells.has(base)) found.push(`${where(node)}: spawns ${program.text}`);
      }
      if (!args || ts.isStringLiteralLike(args) || ts.isTemplateExpression(args)) {
        found.push(`${where(node)}: spawn without an argument array`);
      }
      if (options) {
        if (!ts.isObjectLiteralExpression(options)) {
          found.push(`${where(node)}: spawn options that cannot be checked (not an object literal)`);
        } else {
          for (const prop of options.properties) {
            if (ts.isSpreadAssignment(prop)) found.push(`${where(prop)}: spawn options spread (may carry shell)`);
            const named =
              prop.name && (ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name)) ? prop.name.text : '';
            const falseValue = ts.isPropertyAssignment(prop) && prop.initializer.kind === ts.SyntaxKind.FalseKeyword;
            if (named === 'shell' && !falseValue) found.push(`${where(prop)}: spawn with shell enabled`);
          }
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);

  // Strings that hand a command line to a shell, wherever they appear.
  text.split('\n').forEach((line, i) => {
    if (/\b(ba|z|da)?sh\s+-c\b/.test(line) || /shell:\s*true/.test(line) || /\bexecSync\s*\(/.test(line)) {
      found.push(`${relative(root, path)}:${i + 1}: ${line.trim()}`);
    }
  });
  return found;
}

describe('no module of src/ uses a shell', () => {
  const files = sourceFiles(srcDir);

  it('finds the source files (a check over nothing would pass anyway)', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((f) => f.endsWith(join('infra', 'child-tool.ts')))).toBe(true);
  });

  it('imports only spawn from child_process, always with an argument array, never with shell enabled', () => {
    expect(files.flatMap(shellUses)).toEqual([]);
  });

  it('the check itself catches each way of reaching a shell', () => {
    const bad = [
      "import { exec } from 'node:child_process'; exec('pg_dump ' + db);",
      "import * as cp from 'child_process'; cp.spawn('pg_dump', []);",
      "import { spawn } from 'node:child_process'; spawn('sh', ['-c', cmd]);",
      "import { spawn } from 'node:child_process'; spawn('/bin/bash', ['-c', cmd]);",
      "import { spawn as run } from 'node:child_process'; run('psql', args, { shell: true });",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the probe is source text containing a template.
      "import { spawn } from 'node:child_process'; spawn(`psql ${url}`);",
      "import { spawn } from 'node:child_process'; spawn('psql', args, opts);",
      "const cp = require('child_process');",
      "const { execSync } = await import('node:child_process');",
      'const line = \'bash -c "pg_dump"\';',
    ];
    const dir = join(root, 'test-results');
    for (const [i, code] of bad.entries()) {
      const path = join(dir, `no-shell-probe-${process.pid}-${i}.ts`);
      ts.sys.writeFile(path, code);
      try {
        expect(shellUses(path), code).not.toEqual([]);
      } finally {
        ts.sys.deleteFile?.(path);
      }
    }
  });
});
