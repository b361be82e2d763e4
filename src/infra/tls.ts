import { isIP } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import { messageOf } from '../errors.js';

/** The certificate a TLS endpoint presents. */
export interface EndpointCertificate {
  notAfter: Date;
  subject: string;
  issuer: string;
  /** Whole days until notAfter, rounded toward zero; negative once more than a day expired. */
  daysLeft: number;
}

/** A host:port whose certificate is checked. */
export interface TlsEndpoint {
  host: string;
  port: number;
}

/** The configured TLS endpoints and a way to read their certificates. */
export interface TlsInspector {
  readonly endpoints: readonly TlsEndpoint[];
  inspect(endpoint: TlsEndpoint, opts?: { signal?: AbortSignal; timeoutMs?: number }): Promise<EndpointCertificate>;
}

const dayMs = 86_400_000;

function distinguishedName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  // Node gives each attribute as a string, or an array when the attribute repeats.
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
    .join(', ');
}

/**
 * Completes a TLS handshake with host:port and reads the peer certificate. Trust is not checked
 * (`rejectUnauthorized: false`): the point is to measure expiry, including of certificates already expired.
 */
export function inspectCertificate(
  endpoint: TlsEndpoint,
  opts: { signal?: AbortSignal; timeoutMs?: number; now?: Date } = {},
): Promise<EndpointCertificate> {
  const { host, port } = endpoint;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const signal = opts.signal;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const socket = connect({
      host,
      port,
      // SNI must be a host name; Node warns and ignores it for an IP address.
      servername: isIP(host) === 0 ? host : undefined,
      rejectUnauthorized: false,
    });
    const finish = (err: unknown, cert?: EndpointCertificate) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (cert) resolve(cert);
      else reject(err);
    };
    const onAbort = () => finish(signal?.reason);
    const timer = setTimeout(
      () => finish(new Error(`TLS handshake with ${host}:${port} did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (err) => finish(new Error(`TLS handshake with ${host}:${port} failed: ${messageOf(err)}`)));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      if (!cert?.valid_to) {
        finish(new Error(`${host}:${port} presented no certificate`));
        return;
      }
      const notAfter = new Date(cert.valid_to);
      const now = opts.now ?? new Date();
      finish(undefined, {
        notAfter,
        subject: distinguishedName(cert.subject),
        issuer: distinguishedName(cert.issuer),
        daysLeft: Math.trunc((notAfter.getTime() - now.getTime()) / dayMs),
      });
    });
  });
}

/** Parses "host:port" as configured in tlsEndpoints. */
export function parseEndpoint(text: string): TlsEndpoint {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
}

/** An inspector for the configured endpoints. */
export function createTlsInspector(endpoints: readonly string[]): TlsInspector {
  return { endpoints: endpoints.map(parseEndpoint), inspect: (endpoint, opts) => inspectCertificate(endpoint, opts) };
}
