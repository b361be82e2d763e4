import { generateKeyPair, randomBytes, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';

/** What `openssl req -x509 -newkey rsa:N -nodes -days D -subj /CN=…` makes, plus the facts the report shows. */
export interface SelfSignedCertificate {
  /** PEM of the certificate (tls.crt). */
  certPem: string;
  /** PEM of the unencrypted PKCS#8 private key (tls.key). Never log or checkpoint it. */
  keyPem: string;
  subject: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 fingerprint, colon-separated hex as openssl prints it. */
  fingerprint256: string;
}

/** What the generator needs. */
export interface SelfSignedOptions {
  commonName: string;
  days: number;
  keySize: 2048 | 3072 | 4096;
}

/** A certificate's public facts, read with Node's X509Certificate. */
export function certificateFacts(
  pem: string,
): Pick<SelfSignedCertificate, 'subject' | 'serial' | 'notBefore' | 'notAfter' | 'fingerprint256'> {
  const x = new X509Certificate(pem);
  return {
    subject: x.subject.replace(/\n/g, ', '),
    serial: x.serialNumber,
    notBefore: new Date(x.validFrom),
    notAfter: new Date(x.validTo),
    fingerprint256: x.fingerprint256,
  };
}

const generateRsa = promisify(generateKeyPair);

/**
 * A new RSA key (generated natively by Node, off the event loop) and a self-signed X.509 v3 certificate for it,
 * signed with SHA-256 by node-forge (loaded on first use). The certificate names the CN as a DNS subject
 * alternative name too, which TLS clients check instead of the CN.
 */
export async function generateSelfSigned(opts: SelfSignedOptions): Promise<SelfSignedCertificate> {
  const { default: forge } = await import('node-forge');
  const { privateKey, publicKey } = await generateRsa('rsa', {
    modulusLength: opts.keySize,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // A positive 128-bit serial (the top bit cleared so DER does not read it as negative).
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString('hex');
  const notBefore = new Date();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = new Date(notBefore.getTime() + opts.days * 86_400_000);
  const name = [{ name: 'commonName', value: opts.commonName }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: opts.commonName }] },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  return { certPem, keyPem: privateKey, ...certificateFacts(certPem) };
}
