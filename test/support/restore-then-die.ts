// A process that starts a plain restore into the database given as argv[2], feeds it one statement, says so on
// stdout and then waits to be killed: what a worker looks like when the kernel kills it in the middle of a restore.
import { PassThrough } from 'node:stream';
import { restorePlain } from '../../src/infra/pg-tools.js';

const url = process.argv[2];
if (!url) throw new Error('usage: restore-then-die <database url>');
const dump = new PassThrough();
restorePlain(url, dump).catch((err: unknown) => {
  process.stdout.write(`restore failed: ${String(err)}\n`);
});
dump.write('DELETE FROM items;\n', () => process.stdout.write('fed\n'));
setInterval(() => {}, 60_000);
