import type { ComplianceProfile, Control, Drift } from '../../src-shared/contract/compliance';
import type { KeyPolicy, TenantKeyStatus } from '../../src-shared/contract/keys';
import type { SeverityCounts } from '../../src-shared/contract/isolation';
import { CURVE_BITS, presetPolicy, type Framework, type PolicyField } from '../../src-shared/rules/compliance';
import type { RoleAccess } from './drift';

/** A value another channel answered, or why it could not be read (the control then says "unknown"). */
export type Got<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface ControlInputs {
  cluster: string;
  tenant: string;
  profile: ComplianceProfile;
  allowed: string[];
  drift: Drift[];
  roles: RoleAccess[] | null;
  isolation: Got<SeverityCounts>;
  keyStatus: Got<TenantKeyStatus | null>;
  keyPolicy: Got<KeyPolicy>;
  /** What the approval policy (the one the router's gate asks) answers per channel. */
  approvals: Got<Record<string, boolean>>;
  now: Date;
}

const DAY = 86_400_000;

/** Pass/fail per control, with evidence and where to look (issue 6 item 4). Pure. */
export function buildControls(x: ControlInputs): Control[] {
  const p = x.profile;
  const fw = (f: PolicyField): Framework[] => p.fields.find((e) => e.field === f)?.frameworks ?? [];
  const tenantHref = `#/tenants/${encodeURIComponent(x.cluster)}/${encodeURIComponent(x.tenant)}`;
  const scanCli = `csm compliance scan --cluster ${x.cluster} --tenant ${x.tenant}`;
  const showCli = `csm compliance show --cluster ${x.cluster} --tenant ${x.tenant}`;
  const c = (id: Control['id'], title: string, status: Control['status'], frameworks: Framework[], evidence: string[], href = tenantHref, cli = scanCli): Control => ({ id, title, status, frameworks, evidence, href, cli });
  const out: Control[] = [];

  const b = p.boundary;
  out.push(
    b
      ? c('boundary-set', 'Compliance boundary set', 'pass', fw('boundaryRequired'), [`allowed: ${b.map((e) => `${e.dc} (${e.region})`).join(', ')}`, `profile version ${p.version}, set by ${p.updatedBy ?? '?'} at ${p.updatedAt ?? '?'}`], tenantHref, showCli)
      : c('boundary-set', 'Compliance boundary set', p.effective.boundaryRequired ? 'fail' : 'pass', fw('boundaryRequired'), [p.effective.boundaryRequired ? `no boundary, but ${fw('boundaryRequired').join(', ')} require one` : 'no boundary set; no framework on this tenant requires one'], tenantHref, showCli),
  );

  const roleDrift = x.drift.filter((d) => d.kind.startsWith('dc-access') || d.kind === 'login-without-dc-restriction');
  out.push(
    c(
      'no-drift',
      'No drift from the boundary and the registry',
      x.drift.length ? 'fail' : x.roles === null ? 'unknown' : 'pass',
      [],
      x.drift.length ? x.drift.map((d) => `${d.id}: ${d.title}`) : [x.roles === null ? 'keyspaces match; roles not checked: this session cannot read system_auth (platform scope needed)' : `keyspaces and roles limited to ${x.allowed.join(', ') || '(nothing recorded)'}`],
    ),
  );

  const replDrift = x.drift.filter((d) => d.kind.startsWith('replication'));
  out.push(c('replication-within-boundary', 'Keyspace replication within the boundary', replDrift.length ? 'fail' : 'pass', fw('boundaryRequired'), replDrift.length ? replDrift.map((d) => d.title) : [`every tenant keyspace replicates only to ${x.allowed.join(', ') || '(nothing recorded)'}`]));

  if (x.roles === null) {
    out.push(c('login-roles-dc-restricted', 'Every LOGIN role restricted to the boundary’s DCs', roleDrift.length ? 'fail' : 'unknown', [], ['system_auth is not readable with this session (platform scope needed)']));
  } else {
    const logins = x.roles.filter((r) => r.login);
    const bad = logins.filter((r) => r.dcs === null || r.dcs.some((d) => !x.allowed.includes(d)));
    out.push(
      c(
        'login-roles-dc-restricted',
        'Every LOGIN role restricted to the boundary’s DCs',
        bad.length ? 'fail' : 'pass',
        [],
        bad.length ? bad.map((r) => `${r.name}: ${r.dcs === null ? 'all data centres' : r.dcs.join(', ')}`) : logins.map((r) => `${r.name}: ${r.dcs?.join(', ')}`),
      ),
    );
  }

  const iso = x.isolation;
  out.push(
    iso.ok
      ? c('isolation-clean', 'No isolation findings involving this tenant', iso.value.critical + iso.value.warning ? 'fail' : 'pass', [], [`isolation scan: ${iso.value.critical} critical, ${iso.value.warning} warning, ${iso.value.info} info`], '#/isolation', `csm isolation scan --cluster ${x.cluster} --tenant ${x.tenant}`)
      : c('isolation-clean', 'No isolation findings involving this tenant', 'unknown', [], [`isolation scan not available: ${iso.reason}`], '#/isolation', `csm isolation scan --cluster ${x.cluster} --tenant ${x.tenant}`),
  );

  const maxAge = p.effective.maxKeyAgeDays;
  const keysCli = `csm keys status --cluster ${x.cluster} --tenant ${x.tenant}`;
  if (!x.keyStatus.ok) out.push(c('key-rotation', 'Keys rotated within the maximum age', maxAge === null ? 'pass' : 'unknown', fw('maxKeyAgeDays'), [`key status not available: ${x.keyStatus.reason}`], tenantHref, keysCli));
  else if (x.keyStatus.value === null) out.push(c('key-rotation', 'Keys rotated within the maximum age', maxAge === null ? 'pass' : 'fail', fw('maxKeyAgeDays'), ['the tenant has no keys'], tenantHref, keysCli));
  else {
    const k = x.keyStatus.value;
    const cur = k.kek.versions.find((v) => v.version === k.kek.current);
    const since = k.lastRotatedAt ?? cur?.createdAt ?? null;
    const age = since ? Math.floor((x.now.getTime() - Date.parse(since)) / DAY) : null;
    const ok = maxAge === null || (age !== null && age <= maxAge);
    out.push(c('key-rotation', 'Keys rotated within the maximum age', ok ? 'pass' : 'fail', fw('maxKeyAgeDays'), [`KEK v${k.kek.current ?? '?'} since ${since ?? 'unknown'} (${age ?? '?'} days)`, maxAge === null ? 'no maximum key age in the profile' : `maximum ${maxAge} days`], tenantHref, keysCli));
  }

  const minRsa = p.effective.minRsaBits;
  const minEc = p.effective.minEcBits;
  const policyCli = `csm keys policy --cluster ${x.cluster} --tenant ${x.tenant}`;
  if (minRsa === null && minEc === null) out.push(c('key-sizes', 'Key policy meets the minimum key sizes', 'pass', [], ['no minimum key size in the profile'], tenantHref, policyCli));
  else if (!x.keyPolicy.ok) out.push(c('key-sizes', 'Key policy meets the minimum key sizes', 'unknown', [...new Set([...fw('minRsaBits'), ...fw('minEcBits')])], [`key policy not available: ${x.keyPolicy.reason}`], tenantHref, policyCli));
  else {
    const kp = x.keyPolicy.value;
    const bad: string[] = [];
    if (minRsa !== null && kp.algorithms.includes('rsa') && kp.minRsaBits < minRsa) bad.push(`RSA allowed from ${kp.minRsaBits} bits, profile needs ${minRsa}`);
    if (minEc !== null && kp.algorithms.includes('ec')) for (const cv of kp.curves) if ((CURVE_BITS[cv] ?? 0) < minEc) bad.push(`curve ${cv} allowed, profile needs ≥ ${minEc} bits`);
    if (minEc !== null && kp.algorithms.includes('ed25519') && 256 < minEc) bad.push(`ed25519 (256-bit) allowed, profile needs ≥ ${minEc} bits`);
    out.push(c('key-sizes', 'Key policy meets the minimum key sizes', bad.length ? 'fail' : 'pass', [...new Set([...fw('minRsaBits'), ...fw('minEcBits')])], bad.length ? bad : [`key policy: ${kp.algorithms.join(', ')}; RSA ≥ ${kp.minRsaBits}; curves ${kp.curves.join(', ') || '(none)'}`], tenantHref, policyCli));
  }

  const demanded = p.effective.approvalRequired;
  if (!x.approvals.ok) out.push(c('approval-required', 'Approval required for the actions the frameworks demand', demanded.length ? 'unknown' : 'pass', fw('approvalRequired'), [`approval policy not readable: ${x.approvals.reason}`], '#/access', showCli));
  else {
    const a = x.approvals.value;
    const missing = demanded.filter((ch) => a[ch] !== true);
    out.push(c('approval-required', 'Approval required for the actions the frameworks demand', missing.length ? 'fail' : 'pass', fw('approvalRequired'), demanded.length ? demanded.map((ch) => `${ch}: the approval gate ${a[ch] ? 'requires' : 'does NOT require'} a second person`) : ['no action needs approval under this profile'], '#/access', showCli));
  }

  const ret = p.effective.retentionYears;
  const retField = p.fields.find((f) => f.field === 'retentionYears');
  // A row edited behind the console's back may hold a weaker override: compare with the presets again.
  const minRet = presetPolicy(p.frameworks).policy.retentionYears;
  const retOk = minRet === null || (ret !== null && ret >= minRet);
  out.push(
    c(
      'retention',
      'Audit retention at least the framework minimum',
      retOk ? 'pass' : 'fail',
      fw('retentionYears'),
      [
        ...(retOk ? [] : [`retention ${ret ?? 'unset'} is below the frameworks' minimum of ${minRet} years`]),
        ret === null ? 'no retention minimum in the profile' : `retention ${ret} years (${retField?.origin ?? 'preset'})${retField?.sources.length ? `; ${retField.sources.join('; ')}` : ''}`,
        'the value lives in the compliance policy for now: audit storage does not yet read it to keep or expire records',
      ],
      tenantHref,
      showCli,
    ),
  );
  return out;
}
