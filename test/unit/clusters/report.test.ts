import { describe, expect, it } from 'vitest';
import { securityWarnings, shortClass, type ReportFacts } from '../../../src-main/clusters/report';

const secure: ReportFacts = {
  authenticator: 'PasswordAuthenticator',
  authorizer: 'CassandraAuthorizer',
  roleManager: 'CassandraRoleManager',
  networkAuthorizer: 'CassandraNetworkAuthorizer',
  auditLogging: { enabled: true, logger: 'FileAuditLogger' },
  defaultSuperuser: 'disabled',
  systemAuthReplication: { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3' },
  nodesPerDc: new Map([['dc1', 3]]),
};
const codes = (f: Partial<ReportFacts>): string[] => securityWarnings({ ...secure, ...f }).map((w) => w.code);

describe('cluster test warnings', () => {
  it('a hardened cluster has none', () => expect(codes({})).toEqual([]));
  it('AllowAll authenticator/authorizer are critical', () => {
    expect(codes({ authenticator: 'AllowAllAuthenticator' })).toContain('ALLOW_ALL_AUTHENTICATOR');
    expect(codes({ authorizer: 'AllowAllAuthorizer' })).toContain('ALLOW_ALL_AUTHORIZER');
  });
  it('the default cassandra superuser still enabled', () => expect(codes({ defaultSuperuser: 'enabled' })).toContain('DEFAULT_SUPERUSER'));
  it('audit logging off', () => {
    expect(codes({ auditLogging: { enabled: false, logger: 'BinAuditLogger' } })).toContain('AUDIT_LOG_OFF');
    expect(codes({ auditLogging: null })).toContain('AUDIT_LOG_OFF');
  });
  it('system_auth replication too low for the node count', () => {
    expect(codes({ systemAuthReplication: { class: 'SimpleStrategy', replication_factor: '1' } })).toContain('SYSTEM_AUTH_RF_LOW');
    expect(codes({ systemAuthReplication: { class: 'NetworkTopologyStrategy', dc1: '3' }, nodesPerDc: new Map([['dc1', 3], ['dc2', 2]]) })).toContain('SYSTEM_AUTH_RF_LOW');
    expect(codes({ systemAuthReplication: { class: 'SimpleStrategy', replication_factor: '1' }, nodesPerDc: new Map([['dc1', 1]]) })).not.toContain('SYSTEM_AUTH_RF_LOW');
  });
  it('short class names', () => {
    expect(shortClass('org.apache.cassandra.auth.PasswordAuthenticator')).toBe('PasswordAuthenticator');
    expect(shortClass('{class_name=org.apache.cassandra.auth.AllowAllAuthenticator, parameters=null}')).toBe('AllowAllAuthenticator');
    expect(shortClass(undefined)).toBe('unknown');
  });
});
