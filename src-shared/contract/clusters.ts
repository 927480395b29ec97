import { z } from 'zod';
import { defineChannel } from './core';
import { clusterNameSchema, hostPortSchema, roleNameInputSchema, dcNameSchema } from '../rules/names';

const filePathSchema = z.string().min(1).max(4096);

export const tlsOptionsSchema = z
  .object({
    caFile: filePathSchema,
    certFile: filePathSchema.optional(),
    keyFile: filePathSchema.optional(),
  })
  .strict()
  .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
    message: 'a client certificate and its key go together',
  });
export type TlsOptions = z.infer<typeof tlsOptionsSchema>;

/** What the renderer may see of a profile: never the password, only whether one is stored. */
export const clusterProfileSchema = z.object({
  name: clusterNameSchema,
  contactPoints: z.array(hostPortSchema).min(1),
  localDc: dcNameSchema,
  username: roleNameInputSchema,
  tls: tlsOptionsSchema.nullable(),
  sandbox: z.boolean(),
  passwordStored: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ClusterProfile = z.infer<typeof clusterProfileSchema>;

const passwordSchema = z.string().min(1).max(512);

export const clusterAddInputSchema = z
  .object({
    name: clusterNameSchema,
    contactPoints: z.array(hostPortSchema).min(1).max(32),
    localDc: dcNameSchema,
    username: roleNameInputSchema,
    password: passwordSchema,
    tls: tlsOptionsSchema.nullable().optional(),
  })
  .strict();

export const clusterTestReportSchema = z.object({
  cluster: clusterNameSchema,
  releaseVersion: z.string(),
  clusterName: z.string(),
  dataCenters: z.array(z.object({ name: z.string(), nodesUp: z.number().int(), nodesDown: z.number().int() })),
  nodes: z.array(
    z.object({ address: z.string(), dc: z.string(), rack: z.string(), up: z.boolean(), releaseVersion: z.string() }),
  ),
  authenticator: z.string(),
  authorizer: z.string(),
  roleManager: z.string(),
  networkAuthorizer: z.string(),
  auditLogging: z.object({ enabled: z.boolean(), logger: z.string() }).nullable(),
  systemAuthReplication: z.record(z.string(), z.string()),
  warnings: z.array(z.object({ code: z.string(), severity: z.enum(['info', 'warning', 'critical']), message: z.string() })),
  latencyMs: z.number(),
});
export type ClusterTestReport = z.infer<typeof clusterTestReportSchema>;

export const operatorScopeSchema = z.object({
  cluster: clusterNameSchema,
  role: z.string(),
  superuser: z.boolean(),
  /** Every role the operator holds, directly or inherited. */
  roles: z.array(z.string()),
  platform: z.boolean(),
  tenantAdmin: z.array(z.string()),
  /** `all` for csm_auditor (or platform), else the tenant ids the operator audits. */
  auditor: z.union([z.literal('all'), z.array(z.string())]),
  tenants: z.array(z.string()),
});
export type OperatorScope = z.infer<typeof operatorScopeSchema>;

export const sandboxStatusSchema = z.object({
  available: z.boolean(),
  running: z.boolean(),
  registered: z.boolean(),
  contactPoint: z.string().nullable(),
  reason: z.string().nullable(),
});

const byName = z.object({ name: clusterNameSchema }).strict();

export const clusterChannels = {
  'cluster.list': defineChannel({
    input: z.object({}).strict(),
    output: z.array(clusterProfileSchema),
    scope: 'local',
    mutates: false,
    summary: 'Registered cluster profiles',
  }),
  'cluster.add': defineChannel({
    input: clusterAddInputSchema,
    output: clusterProfileSchema,
    scope: 'local',
    mutates: true,
    summary: 'Register a cluster; its password goes to the OS keychain',
  }),
  'cluster.update': defineChannel({
    input: z
      .object({
        name: clusterNameSchema,
        contactPoints: z.array(hostPortSchema).min(1).max(32).optional(),
        localDc: dcNameSchema.optional(),
        username: roleNameInputSchema.optional(),
        password: passwordSchema.optional(),
        tls: tlsOptionsSchema.nullable().optional(),
      })
      .strict(),
    output: clusterProfileSchema,
    scope: 'local',
    mutates: true,
    summary: 'Edit a cluster profile',
  }),
  'cluster.remove': defineChannel({
    input: byName,
    output: z.object({ removed: z.boolean() }),
    scope: 'local',
    mutates: true,
    summary: 'Forget a cluster profile and its stored password',
  }),
  'cluster.test': defineChannel({
    input: byName,
    output: clusterTestReportSchema,
    scope: 'local',
    mutates: false,
    summary: 'Connect and report version, topology, security settings and warnings',
  }),
  'cluster.sandboxStatus': defineChannel({
    input: z.object({}).strict(),
    output: sandboxStatusSchema,
    scope: 'local',
    mutates: false,
    summary: 'Whether the local sandbox node can be started, is running, is registered',
  }),
  'cluster.sandboxStart': defineChannel({
    input: z.object({}).strict(),
    output: clusterProfileSchema,
    scope: 'local',
    mutates: true,
    summary: 'Start the local sandbox Cassandra node and register it as cluster "sandbox"',
  }),
  'session.signIn': defineChannel({
    input: z
      .object({ cluster: clusterNameSchema, username: roleNameInputSchema.optional(), password: passwordSchema.optional() })
      .strict(),
    output: operatorScopeSchema,
    scope: 'local',
    mutates: true,
    summary: 'Sign in to a cluster with a Cassandra role and derive the operator scope',
  }),
  'session.whoami': defineChannel({
    input: z.object({ cluster: clusterNameSchema }).strict(),
    output: operatorScopeSchema,
    scope: 'local',
    mutates: false,
    summary: 'The signed-in role on a cluster and its scope',
  }),
  'session.signOut': defineChannel({
    input: z.object({ cluster: clusterNameSchema }).strict(),
    output: z.object({ signedOut: z.boolean() }),
    scope: 'local',
    mutates: true,
    summary: 'Close the sessions of a cluster',
  }),
};
