import { z } from 'zod';

const k8sName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'expected a Kubernetes name (lowercase, digits, - and .)' })
  .max(253);

/** A key of a Secret's data, as Kubernetes allows them. */
const secretKey = z
  .string()
  .regex(/^[-._a-zA-Z0-9]{1,253}$/, { message: 'expected a Secret key (letters, digits, "-", "_" and ".")' });

const databaseSecretSchema = z
  .object({
    /** The Secret the application reads its database credentials from (THERMALIQ: postgres-credentials). */
    secret: k8sName,
    /** The application's PostgreSQL role, whose password `rotate db-password` changes. */
    role: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'expected a lowercase PostgreSQL role name such as thermaliq' }),
    /** The keys of the Secret: the user name, the password, and a connection URL carrying the password. */
    keys: z
      .object({
        username: secretKey.default('username'),
        password: secretKey.default('password'),
        url: secretKey.default('url'),
      })
      .strict()
      .default({ username: 'username', password: 'password', url: 'url' }),
    /** How long the application gets to connect again with the new password before the rotation is undone. */
    reconnectTimeoutSeconds: z.number().int().min(1).max(3600).default(180),
  })
  .strict();

const internalCertSchema = z
  .object({
    /** The kubernetes.io/tls Secret the deployment mounts (THERMALIQ: thermaliq-internal-tls). */
    secret: k8sName,
    /** The certificate's subject CN (THERMALIQ: thermaliq-internal). */
    commonName: z.string().regex(/^[A-Za-z0-9*][A-Za-z0-9.*-]{0,63}$/, { message: 'expected a host-like common name' }),
    days: z.number().int().min(1).max(3650).default(365),
    keySize: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]).default(4096),
  })
  .strict();

/** The Secrets the rotation runbooks change (THERMALIQ "Rotate Secrets" and "Certificate Rotation"). */
export const secretsConfigSchema = z
  .object({ database: databaseSecretSchema.optional(), internalCert: internalCertSchema.optional() })
  .strict();

/** Where `rotate db-password` finds the application's database credentials. */
export type DatabaseSecretConfig = z.infer<typeof databaseSecretSchema>;
/** What `rotate internal-cert` generates and where it puts it. */
export type InternalCertConfig = z.infer<typeof internalCertSchema>;
