import type { z } from 'zod';
import type { ChannelInput } from '../../../src-shared/contract';
import type { ClusterProfile } from '../../../src-shared/contract/clusters';
import { clusterAddInputSchema, tlsOptionsSchema } from '../../../src-shared/contract/clusters';
import { contract } from '../../../src-shared/contract';
import { roleNameInputSchema } from '../../../src-shared/rules/names';

/** What the form holds: raw strings exactly as typed. */
export interface ClusterFormValues {
  name: string;
  contactPoints: string;
  localDc: string;
  username: string;
  password: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}
export type ClusterField = keyof ClusterFormValues;
export type FieldErrors = Partial<Record<ClusterField, string>>;

export const EMPTY_FORM: ClusterFormValues = {
  name: '',
  contactPoints: '',
  localDc: '',
  username: '',
  password: '',
  caFile: '',
  certFile: '',
  keyFile: '',
};

export function formFromProfile(p: ClusterProfile): ClusterFormValues {
  return {
    name: p.name,
    contactPoints: p.contactPoints.join('\n'),
    localDc: p.localDc,
    username: p.username,
    password: '',
    caFile: p.tls?.caFile ?? '',
    certFile: p.tls?.certFile ?? '',
    keyFile: p.tls?.keyFile ?? '',
  };
}

/** Comma, space or newline separated; empty pieces (a trailing comma) are ignored. */
export function splitContactPoints(raw: string): string[] {
  return raw
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const MAX_CONTACT_POINTS = 32;

function tlsFrom(v: ClusterFormValues): z.input<typeof tlsOptionsSchema> | null {
  const caFile = v.caFile.trim();
  const certFile = v.certFile.trim();
  const keyFile = v.keyFile.trim();
  if (!caFile && !certFile && !keyFile) return null;
  return { caFile, ...(certFile ? { certFile } : {}), ...(keyFile ? { keyFile } : {}) };
}

/** Turn zod issues into one message per field, worded for the operator. */
function fieldErrors(issues: z.core.$ZodIssue[], v: ClusterFormValues, points: string[]): FieldErrors {
  const errors: FieldErrors = {};
  const put = (f: ClusterField, msg: string): void => {
    errors[f] ??= msg;
  };
  const badPoints: string[] = [];
  for (const issue of issues) {
    const [head, sub] = issue.path;
    switch (head) {
      case 'name':
      case 'localDc':
      case 'username':
        put(head, issue.message);
        break;
      case 'password':
        put('password', issue.code === 'too_big' ? 'password: at most 512 characters' : 'password is required');
        break;
      case 'contactPoints':
        if (typeof sub === 'number') {
          const p = points[sub];
          if (p !== undefined) badPoints.push(p);
        } else if (issue.code === 'too_big') put('contactPoints', `at most ${MAX_CONTACT_POINTS} contact points`);
        else put('contactPoints', 'at least one contact point, HOST:PORT, e.g. 10.0.0.5:9042');
        break;
      case 'tls':
        if (sub === 'caFile') put('caFile', 'TLS needs the CA certificate file (PEM) to verify the nodes');
        else if (sub === 'certFile' || sub === 'keyFile') put(sub, `${sub === 'certFile' ? 'certificate' : 'key'} path: at most 4096 characters`);
        else put(v.certFile.trim() ? 'keyFile' : 'certFile', 'a client certificate and its key go together');
        break;
      default:
        break;
    }
  }
  if (badPoints.length) {
    const shown = badPoints.slice(0, 3).map((p) => `"${p}"`).join(', ');
    const more = badPoints.length > 3 ? ` and ${badPoints.length - 3} more` : '';
    put('contactPoints', `not HOST:PORT: ${shown}${more} (e.g. 10.0.0.5:9042 or [::1]:9042)`);
  }
  return errors;
}

export type Validated<T> = { ok: true; input: T } | { ok: false; errors: FieldErrors };

/** Same schema main parses with, so what passes here is what main accepts. */
export function validateAdd(v: ClusterFormValues): Validated<ChannelInput<'cluster.add'>> {
  const points = splitContactPoints(v.contactPoints);
  const candidate = {
    name: v.name.trim(),
    contactPoints: points,
    localDc: v.localDc.trim(),
    username: v.username.trim(),
    password: v.password,
    tls: tlsFrom(v),
  };
  const r = clusterAddInputSchema.safeParse(candidate);
  if (r.success) return { ok: true, input: r.data };
  return { ok: false, errors: fieldErrors(r.error.issues, v, points) };
}

/** Edit: the name is fixed, a blank password keeps the stored one, blank TLS paths turn TLS off. */
export function validateUpdate(v: ClusterFormValues): Validated<ChannelInput<'cluster.update'>> {
  const points = splitContactPoints(v.contactPoints);
  const candidate = {
    name: v.name,
    contactPoints: points,
    localDc: v.localDc.trim(),
    username: v.username.trim(),
    ...(v.password ? { password: v.password } : {}),
    tls: tlsFrom(v),
  };
  const schema = contract['cluster.update'].input;
  const r = schema.safeParse(candidate);
  if (r.success) return { ok: true, input: r.data };
  const errors = fieldErrors(r.error.issues, v, points);
  if (points.length === 0) errors.contactPoints ??= 'at least one contact point, HOST:PORT, e.g. 10.0.0.5:9042';
  return { ok: false, errors };
}

export interface SignInValues {
  username: string;
  password: string;
}

/**
 * Both blank: the stored credentials. Another role needs its own password: main would
 * otherwise try the stored password with a different name, which only fails later.
 */
export function validateSignIn(
  cluster: ClusterProfile,
  v: SignInValues,
): Validated<ChannelInput<'session.signIn'>> {
  const username = v.username.trim();
  const errors: Partial<Record<keyof SignInValues, string>> = {};
  if (username) {
    const u = roleNameInputSchema.safeParse(username);
    if (!u.success) errors.username = u.error.issues[0]?.message ?? 'invalid role name';
    else if (username !== cluster.username && !v.password) errors.password = `enter the password of role ${username}`;
  }
  if (v.password.length > 512) errors.password = 'password: at most 512 characters';
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    input: {
      cluster: cluster.name,
      ...(username ? { username } : {}),
      ...(v.password ? { password: v.password } : {}),
    },
  };
}
