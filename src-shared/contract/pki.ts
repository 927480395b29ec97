import { z } from 'zod';
import { defineChannel } from './core';
import { clusterNameSchema, tenantIdSchema } from '../rules/names';

/**
 * Certificate operations (issue 8): one certificate authority per tenant (a root, or a
 * subordinate of the platform root when the cluster has one), issuance from a generated key pair
 * or a CSR, revocation and CRLs, renewal, exports and secure connect bundles.
 *
 * No output carries a private key. Keys the console generates are kept wrapped under the tenant's
 * 'ca' data key (DESIGN §5); they leave main only as files main itself writes (`outDir`, `out`),
 * never through IPC, so the renderer never holds one. Serials are lower-case hex, as openssl prints them.
 */

/** CSRs and PEM inputs are small; anything bigger is refused before it is parsed. */
export const MAX_CSR_BYTES = 64 * 1024;
export const MAX_SANS = 64;

/** Key algorithms the console generates and signs with; the tenant's certificate policy narrows them. */
export const PKI_ALGORITHMS = ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256', 'ec-p384'] as const;
export const pkiAlgorithmSchema = z.enum(PKI_ALGORITHMS);
export type PkiAlgorithm = z.infer<typeof pkiAlgorithmSchema>;

export const CERT_TYPES = ['client', 'node'] as const;
export const certTypeSchema = z.enum(CERT_TYPES);
export type CertType = z.infer<typeof certTypeSchema>;

export const CERT_STATUSES = ['active', 'revoked', 'expired'] as const;
export type CertStatus = (typeof CERT_STATUSES)[number];

/** RFC 5280 CRLReason names (certificateHold and removeFromCRL left out: the console does not suspend). */
export const REVOCATION_REASONS = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'privilegeWithdrawn'] as const;
export const revocationReasonSchema = z.enum(REVOCATION_REASONS);
export type RevocationReason = z.infer<typeof revocationReasonSchema>;

/** Expiry warning buckets shown in the UI and the report: within 30, 14 or 7 days, or past. */
export const EXPIRY_BUCKETS = ['30', '14', '7', 'expired'] as const;

/** Hex as openssl prints it: `serial=4F3A…` (x509 -serial), `4f:3a:…` (-text), odd length left-padded. */
export const serialSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?:serial=)?[0-9a-f](?::?[0-9a-f])*$/, 'serial: hex digits as openssl prints them (e.g. 4F3A…, 4f:3a:…, serial=4F3A…), at most 20 bytes')
  .transform((s) => s.replace(/^serial=/, '').replace(/:/g, ''))
  .refine((h) => h.length <= 40, 'serial: at most 20 bytes (40 hex digits)')
  .transform((h) => (h.length % 2 ? `0${h}` : h));

/** DNS names and IP addresses (v4 or v6) only: other SAN kinds are refused. */
export const sanSchema = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^(?:(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9.]{7,15}|[0-9A-Fa-f:.]{2,45})$/, 'SAN: a DNS name or an IP address');

/** A certificate's common name: printable, no control characters, no `/` or `=` games. */
export const commonNameSchema = z
  .string()
  .trim()
  .min(1, 'common name: required')
  .max(64, 'common name: at most 64 characters (X.520 upper bound)')
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._@-]*$/, 'common name: letters, digits, space, . _ @ - (starting with a letter or digit)');

/** Absolute path of a file or directory main writes; checked again in main (no overwrite unless asked). */
export const outPathSchema = z.string().min(1).max(4096).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'path: an absolute path');

export const certificateSchema = z.object({
  serial: z.string(),
  tenant: z.string(),
  type: z.enum(['client', 'node', 'ca']),
  commonName: z.string(),
  subject: z.string(),
  issuer: z.string(),
  sans: z.array(z.string()),
  algorithm: pkiAlgorithmSchema,
  notBefore: z.string(),
  notAfter: z.string(),
  status: z.enum(CERT_STATUSES),
  /** Whole days until notAfter (negative once expired). */
  daysLeft: z.number().int(),
  expiryBucket: z.enum(EXPIRY_BUCKETS).nullable(),
  revokedAt: z.string().nullable(),
  revocationReason: revocationReasonSchema.nullable(),
  fingerprintSha256: z.string(),
  /** generated: the console made the key pair and holds it wrapped; csr: the requester holds the key. */
  source: z.enum(['generated', 'csr', 'ca']),
  hasKey: z.boolean(),
  issuedBy: z.string(),
  issuedAt: z.string(),
  renewedFrom: z.string().nullable(),
  renewedBy: z.string().nullable(),
});
export type CertificateInfo = z.infer<typeof certificateSchema>;

export const caSchema = z.object({
  tenant: z.string(),
  serial: z.string(),
  subject: z.string(),
  algorithm: pkiAlgorithmSchema,
  notBefore: z.string(),
  notAfter: z.string(),
  fingerprintSha256: z.string(),
  /** root: self-signed for this tenant; subordinate: signed by the platform root. */
  kind: z.enum(['root', 'subordinate']),
  certificatePem: z.string(),
  /** The CA certificate and every issuer up to the root, leaf-first. */
  chainPem: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  /** Which 'ca' data-key version wraps the CA private key. */
  keyVersion: z.number().int(),
  crlNumber: z.number().int(),
  lastCrlAt: z.string().nullable(),
});
export type CaInfo = z.infer<typeof caSchema>;

export const platformRootSchema = z.object({
  serial: z.string(),
  subject: z.string(),
  algorithm: pkiAlgorithmSchema,
  notBefore: z.string(),
  notAfter: z.string(),
  fingerprintSha256: z.string(),
  certificatePem: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type PlatformRoot = z.infer<typeof platformRootSchema>;

export const writtenFileSchema = z.object({
  path: z.string(),
  kind: z.enum(['certificate', 'key', 'chain', 'ca', 'p12', 'crl', 'bundle']),
  sha256: z.string(),
  bytes: z.number().int(),
});

export const issuedSchema = z.object({
  certificate: certificateSchema,
  certificatePem: z.string(),
  chainPem: z.string(),
  /** Files main wrote when `outDir` was given (the key with mode 0600). */
  files: z.array(writtenFileSchema),
  /** What the caller should know, e.g. validity clipped to the CA's own end. */
  notices: z.array(z.string()).optional(),
});
export type Issued = z.infer<typeof issuedSchema>;

export const crlSchema = z.object({
  tenant: z.string(),
  crlNumber: z.number().int(),
  thisUpdate: z.string(),
  nextUpdate: z.string(),
  revokedCount: z.number().int(),
  pem: z.string(),
  file: writtenFileSchema.nullable(),
});

export const expiryReportSchema = z.object({
  tenant: z.string(),
  generatedAt: z.string(),
  counts: z.object({ active: z.number().int(), revoked: z.number().int(), expired: z.number().int(), within30: z.number().int(), within14: z.number().int(), within7: z.number().int() }),
  /** Active certificates expiring within 30 days and expired ones not renewed, soonest first. */
  items: z.array(certificateSchema),
  /** The tenant CA's own expiry (null without a CA): once it is past, nothing can be issued or renewed. */
  ca: z.object({ notAfter: z.string(), daysLeft: z.number().int(), expiryBucket: z.enum(EXPIRY_BUCKETS).nullable() }).nullable().optional(),
});
export type ExpiryReport = z.infer<typeof expiryReportSchema>;

const tenantRef = { cluster: clusterNameSchema, tenant: tenantIdSchema };
const validityDays = z.number().int().min(1).max(3650);
const p12Password = z.string().min(8, 'PKCS#12 password: at least 8 characters').max(1024);

export const pkiChannels = {
  'cert.platformRoot': defineChannel({
    input: z.object({ cluster: clusterNameSchema }).strict(),
    output: platformRootSchema.nullable(),
    scope: 'platform',
    mutates: false,
    summary: "The cluster's platform root CA, if it has one (tenant CAs created after it are its subordinates)",
  }),
  'cert.platformRootInit': defineChannel({
    input: z.object({ cluster: clusterNameSchema, algorithm: pkiAlgorithmSchema.default('ec-p384'), validityDays: validityDays.default(3650) }).strict(),
    output: platformRootSchema,
    scope: 'platform',
    mutates: true,
    summary: 'Create the platform root CA (key wrapped under the installation master key, in csm_system)',
  }),
  'cert.ca': defineChannel({
    input: z.object(tenantRef).strict(),
    output: caSchema.nullable(),
    scope: 'auditor',
    mutates: false,
    summary: "The tenant's CA: certificate, chain, algorithm, CRL state (null before it exists)",
  }),
  'cert.caInit': defineChannel({
    input: z.object({ ...tenantRef, algorithm: pkiAlgorithmSchema.optional(), validityDays: validityDays.optional() }).strict(),
    output: caSchema,
    scope: 'tenant',
    mutates: true,
    summary: "Create the tenant's CA on demand (provisioning creates it too); CONFLICT if it has one",
  }),
  'cert.issue': defineChannel({
    input: z
      .object({
        ...tenantRef,
        type: certTypeSchema,
        commonName: commonNameSchema,
        sans: z.array(sanSchema).max(MAX_SANS).default([]),
        algorithm: pkiAlgorithmSchema.optional(),
        validityDays: validityDays.optional(),
        outDir: outPathSchema.optional(),
        overwrite: z.boolean().default(false),
      })
      .strict(),
    output: issuedSchema,
    scope: 'tenant',
    mutates: true,
    approvable: true,
    summary: 'Issue a client or node certificate with a key pair the console generates (kept wrapped; written to outDir when given)',
  }),
  'cert.signCsr': defineChannel({
    input: z
      .object({
        ...tenantRef,
        type: certTypeSchema,
        csrPem: z.string().min(1, 'CSR: empty').max(MAX_CSR_BYTES, `CSR: larger than ${MAX_CSR_BYTES} bytes`),
        validityDays: validityDays.optional(),
        outDir: outPathSchema.optional(),
        overwrite: z.boolean().default(false),
      })
      .strict(),
    output: issuedSchema,
    scope: 'tenant',
    mutates: true,
    approvable: true,
    summary: "Sign a CSR (signature checked; subject and SANs against the tenant's policy)",
  }),
  'cert.list': defineChannel({
    input: z
      .object({
        ...tenantRef,
        status: z.enum([...CERT_STATUSES, 'all']).default('all'),
        type: z.enum(['client', 'node', 'all']).default('all'),
        expiringWithinDays: z.number().int().min(0).max(3650).optional(),
        text: z.string().max(200).optional(),
      })
      .strict(),
    output: z.array(certificateSchema),
    scope: 'auditor',
    mutates: false,
    summary: "The tenant's certificate inventory with status and expiry",
  }),
  'cert.show': defineChannel({
    input: z.object({ ...tenantRef, serial: serialSchema }).strict(),
    output: z.object({ certificate: certificateSchema, certificatePem: z.string(), chainPem: z.string() }),
    scope: 'auditor',
    mutates: false,
    summary: 'One certificate with its PEM and chain',
  }),
  'cert.revoke': defineChannel({
    input: z.object({ ...tenantRef, serial: serialSchema, reason: revocationReasonSchema }).strict(),
    output: certificateSchema,
    scope: 'tenant',
    mutates: true,
    summary: 'Revoke a certificate with a reason; the next CRL lists it',
  }),
  'cert.crl': defineChannel({
    input: z.object({ ...tenantRef, out: outPathSchema.optional(), overwrite: z.boolean().default(false) }).strict(),
    output: crlSchema,
    scope: 'tenant',
    mutates: true,
    summary: "Sign a fresh CRL with the tenant's CA (written to `out` as PEM when given)",
  }),
  'cert.renew': defineChannel({
    input: z
      .object({ ...tenantRef, serial: serialSchema, newKey: z.boolean().default(true), validityDays: validityDays.optional(), outDir: outPathSchema.optional(), overwrite: z.boolean().default(false) })
      .strict(),
    output: issuedSchema,
    scope: 'tenant',
    mutates: true,
    approvable: true,
    summary: 'Renew a certificate (new key pair, or the same key when the console holds it); the old one is marked superseded by it',
  }),
  'cert.export': defineChannel({
    input: z
      .object({
        ...tenantRef,
        serial: serialSchema,
        format: z.enum(['pem', 'p12']),
        /** pem: a directory (NAME.crt.pem, NAME.key.pem, ca.pem); p12: the .p12 file. */
        out: outPathSchema,
        /** p12 only; redacted from the audit log like every password. */
        password: p12Password.optional(),
        /** pem only: false writes the certificate and chain without a key (the only pem export of a CSR-signed certificate). */
        includeKey: z.boolean().default(true),
        overwrite: z.boolean().default(false),
      })
      .strict(),
    output: z.object({ serial: z.string(), format: z.enum(['pem', 'p12']), files: z.array(writtenFileSchema) }),
    scope: 'tenant',
    mutates: true,
    summary: 'Export a certificate with its chain and key: PEM files (key as PKCS#8) or a password-protected PKCS#12',
  }),
  'cert.bundle': defineChannel({
    input: z.object({ ...tenantRef, serial: serialSchema, out: outPathSchema, overwrite: z.boolean().default(false) }).strict(),
    output: z.object({ serial: z.string(), file: writtenFileSchema, entries: z.array(z.string()), contactPoints: z.array(z.string()), localDataCenter: z.string(), keyspaces: z.array(z.string()) }),
    scope: 'tenant',
    mutates: true,
    summary: 'Secure connect bundle (zip): CA, client certificate, key and a config naming contact points, local DC and keyspaces',
  }),
  'cert.expiryReport': defineChannel({
    input: z.object(tenantRef).strict(),
    output: expiryReportSchema,
    scope: 'auditor',
    mutates: false,
    summary: 'Certificates expiring within 30/14/7 days and expired ones, with counts',
  }),
};

export const pkiEvents = {};
