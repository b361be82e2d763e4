// Loaded with `node --import` by the lazy-libraries test only: records every module the process resolves (ESM
// imports and CommonJS requires alike) and writes the list to $RECORD_IMPORTS_FILE when the process exits.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const resolved = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    resolved.add(result.url);
    return result;
  },
});
process.on('exit', () => {
  if (process.env.RECORD_IMPORTS_FILE) writeFileSync(process.env.RECORD_IMPORTS_FILE, [...resolved].join('\n'));
});
