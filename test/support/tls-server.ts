import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Options for {@link startTlsServer}. */
export interface TlsServerOptions {
  /** Validity from now in days; fractional and negative (already expired) values are allowed. */
  daysValid: number;
  /** Subject common name and DNS SAN; defaults to `localhost` (127.0.0.1 is always an IP SAN). */
  commonName?: string;
}

/** A running HTTPS server with a self-signed certificate. */
export interface TestTlsServer {
  host: string;
  port: number;
  /** The certificate's notAfter (whole seconds). */
  notAfter: Date;
  /** The certificate's notBefore (whole seconds). */
  notBefore: Date;
  /** The certificate in PEM form (to trust it as a CA in a client). */
  certPem: string;
  /** Stops the server. */
  close(): Promise<void>;
}

function runOpenssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`openssl ${args[0] ?? ''} exited with ${code ?? 'null'}: ${stderr.trim()}`));
    });
  });
}

/** `YYYYMMDDHHMMSSZ`, the GeneralizedTime form `openssl ca -startdate/-enddate` accepts. */
function opensslTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`;
}

/**
 * Creates a self-signed certificate valid until exactly now + `daysValid` days with the `openssl` CLI.
 * OpenSSL 3.0's `req -x509` only takes whole positive `-days`, so the certificate is self-signed through
 * `openssl ca -selfsign -startdate -enddate`, which accepts any validity window (including expired ones).
 */
async function createCertificate(
  dir: string,
  notBefore: Date,
  notAfter: Date,
  commonName: string,
): Promise<{ key: string; cert: string }> {
  const config = [
    '[ ca ]',
    'default_ca = test_ca',
    '[ test_ca ]',
    'database = ./index.txt',
    'new_certs_dir = .',
    'serial = ./serial',
    'default_md = sha256',
    'policy = test_policy',
    'unique_subject = no',
    'x509_extensions = test_ext',
    '[ test_policy ]',
    'commonName = supplied',
    '[ test_ext ]',
    // Like `openssl req -x509`: a self-signed CA:TRUE certificate, so clients can trust it via `ca`.
    'basicConstraints = critical,CA:TRUE',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid:always',
    `subjectAltName = DNS:${commonName},IP:127.0.0.1`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'ca.cnf'), config);
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), `${Date.now().toString(16).padStart(16, '0')}\n`);
  await runOpenssl(
    [
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'csr.pem',
      '-subj',
      `/CN=${commonName}`,
    ],
    dir,
  );
  await runOpenssl(
    [
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-selfsign',
      '-keyfile',
      'key.pem',
      '-in',
      'csr.pem',
      '-out',
      'cert.pem',
      '-notext',
      '-startdate',
      opensslTime(notBefore),
      '-enddate',
      opensslTime(notAfter),
    ],
    dir,
  );
  return { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
}

/** Starts an HTTPS server on 127.0.0.1 (ephemeral port) whose self-signed certificate expires in `daysValid` days. */
export async function startTlsServer(options: TlsServerOptions): Promise<TestTlsServer> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const notAfter = new Date((nowSeconds + Math.round(options.daysValid * 86_400)) * 1000);
  const notBefore = new Date(Math.min(nowSeconds * 1000, notAfter.getTime()) - 86_400_000);
  const dir = await mkdtemp(join(tmpdir(), 'tls-server-'));
  let material: { key: string; cert: string };
  try {
    material = await createCertificate(dir, notBefore, notAfter, options.commonName ?? 'localhost');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const server = createServer({ key: material.key, cert: material.cert }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('TLS server did not bind a TCP port');
  let closing: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port: address.port,
    notAfter,
    notBefore,
    certPem: material.cert,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
