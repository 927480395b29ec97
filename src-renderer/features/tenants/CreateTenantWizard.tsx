import { useEffect, useMemo, useRef, useState, type FormEvent, type RefObject } from 'react';
import type { WireError } from '../../../src-shared/contract/core';
import { TENANT_TIERS, type PlacementReport } from '../../../src-shared/contract/tenants';
import { DEFAULT_TEMPLATE, type Template } from '../../../src-shared/rules/templates';
import { call } from '../../app/call';
import { useClient } from '../../app/client';
import { useSession } from '../../app/stores/session';
import { FormError, TextField } from '../../ui/Field';
import { createTenant, fetchSaga } from './actions';
import { Swatch, tenantHref } from './bits';
import { PlacementReportView } from './PlacementReportView';
import { SagaCard } from './SagaView';
import { useTenants } from './store';
import { emptyWizard, splitDcs, toCreateInput, validateStep, WIZARD_STEPS, type WizardErrors, type WizardValues } from './wizard-form';

type TemplateRow = Template & { builtIn: boolean };
interface Started {
  jobId: string;
  cluster: string;
  tenant: string;
}

export function CreateTenantWizard() {
  const client = useClient();
  const scopes = useSession((s) => s.scopes);
  const platformClusters = useMemo(() => Object.keys(scopes).filter((c) => scopes[c]?.platform).sort(), [scopes]);
  const [v, setV] = useState<WizardValues>(() => emptyWizard(platformClusters.length === 1 ? platformClusters[0] : ''));
  const [step, setStep] = useState(0);
  const [errors, setErrors] = useState<WizardErrors>({});
  const [report, setReport] = useState<PlacementReport | null>(null);
  const [reportError, setReportError] = useState<WireError | null>(null);
  const [templates, setTemplates] = useState<TemplateRow[] | null>(null);
  const [serverError, setServerError] = useState<WireError | null>(null);
  const [busy, setBusy] = useState(false);
  const [started, setStarted] = useState<Started | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const stepId = WIZARD_STEPS[step]?.id ?? 'identity';

  const placementTouched = useRef(false);
  const set = <K extends keyof WizardValues>(k: K, value: WizardValues[K]): void => {
    if (k === 'placement' || k === 'cluster') placementTouched.current = true;
    setV((old) => ({ ...old, [k]: value }));
  };

  // Sessions are restored after a deep link opens the wizard: take the one platform cluster
  // when it shows up, unless the operator has already chosen.
  useEffect(() => {
    if (placementTouched.current || platformClusters.length !== 1) return;
    const only = platformClusters[0] ?? '';
    setV((old) => (old.cluster ? old : { ...old, placement: 'cluster', cluster: only }));
  }, [platformClusters]);
  const targetCluster = v.placement === 'cluster' ? v.cluster || null : (report?.chosen ?? null);
  const template = templates?.find((t) => t.name === v.template) ?? null;

  // Ask the policy only when it is the one choosing; again when the isolation changes.
  useEffect(() => {
    if (v.placement !== 'policy') return;
    let live = true;
    setReport(null);
    setReportError(null);
    void call(client, 'tenant.placement', { isolation: v.isolation }, { quiet: true }).then((r) => {
      if (!live) return;
      if (r.ok) setReport(r.value);
      else setReportError(r.error);
    });
    return () => {
      live = false;
    };
  }, [client, v.placement, v.isolation]);

  // Templates live in the target cluster's csm_system.
  useEffect(() => {
    if (!targetCluster) {
      setTemplates(null);
      return;
    }
    let live = true;
    void call(client, 'template.list', { cluster: targetCluster }, { quiet: true }).then((r) => {
      if (!live) return;
      // Not reachable yet (a tenant-scope console, a fresh registry): offer the built-in default.
      setTemplates(r.ok && r.value.length > 0 ? r.value : [{ ...DEFAULT_TEMPLATE, builtIn: true }]);
    });
    return () => {
      live = false;
    };
  }, [client, targetCluster]);

  // Keyboard and screen-reader users land on the new step's heading.
  const firstRender = useRef(true);
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    headingRef.current?.focus();
  }, [step, started]);

  const placementProblem = reportError ? `${reportError.code}: ${reportError.message}` : report && !report.chosen ? report.reason : null;
  const ctx = { targetCluster, placementProblem, template };

  const next = (e: FormEvent): void => {
    e.preventDefault();
    const found = validateStep(stepId, v, ctx);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    if (stepId === 'review') void submit();
    else setStep((s) => s + 1);
  };

  const submit = async (): Promise<void> => {
    if (busy) return;
    // Every step once more: a value edited after its step was passed must not slip through.
    for (const s of WIZARD_STEPS) {
      const found = validateStep(s.id, v, ctx);
      if (Object.keys(found).length > 0) {
        setErrors(found);
        setStep(WIZARD_STEPS.findIndex((x) => x.id === s.id));
        return;
      }
    }
    const built = toCreateInput(v);
    if (!built.ok) {
      setServerError({ code: 'BAD_INPUT', message: built.message });
      return;
    }
    setBusy(true);
    setServerError(null);
    // The password leaves the wizard's state now, whatever the answer.
    setV((old) => ({ ...old, adminPassword: '', adminPasswordAgain: '' }));
    const r = await createTenant(client, built.input);
    setBusy(false);
    if (!r.ok) {
      setServerError(r.error);
      return;
    }
    const s = { jobId: r.value.jobId, cluster: r.value.tenant.cluster, tenant: r.value.tenant.id };
    setStarted(s);
    if (!useTenants.getState().sagas[s.jobId]) void fetchSaga(client, s.cluster, s.tenant, s.jobId);
  };

  if (started) return <Provisioning started={started} headingRef={headingRef} />;

  return (
    <div className="page" data-testid="tenant-wizard">
      <header className="page-header">
        <div>
          <p className="breadcrumb">
            <a href="#/tenants">Tenants</a> / new
          </p>
          <h1>New tenant</h1>
        </div>
      </header>

      <ol className="wizard-steps" aria-label="Wizard steps">
        {WIZARD_STEPS.map((s, i) => (
          <li key={s.id} aria-current={i === step ? 'step' : undefined} className={i < step ? 'wizard-step-done' : i === step ? 'wizard-step-current' : ''}>
            <span className="wizard-step-n" aria-hidden="true">
              {i + 1}
            </span>
            {s.label}
          </li>
        ))}
      </ol>

      {platformClusters.length === 0 ? (
        <div className="banner" role="status" data-testid="wizard-no-platform">
          <span className="banner-message">
            Creating a tenant needs platform scope: <a href="#/clusters">sign in</a> to a cluster as a platform admin (or the superuser).
          </span>
        </div>
      ) : null}

      <form className="card wizard-card" noValidate onSubmit={next} aria-busy={busy} data-testid={`wizard-step-${stepId}`}>
        <h2 ref={headingRef} tabIndex={-1} className="wizard-title">
          {WIZARD_STEPS[step]?.label}
        </h2>
        {serverError ? <FormError code={serverError.code} message={serverError.message} /> : null}

        {stepId === 'identity' ? (
          <div className="form-grid">
            <TextField label="Tenant id" value={v.id} error={errors.id} onChange={(e) => set('id', e.target.value)} hint="Lower case: letters, digits, _. Part of every keyspace and role name; cannot change later." autoComplete="off" data-testid="wizard-id" />
            <TextField label="Display name" value={v.name} error={errors.name} onChange={(e) => set('name', e.target.value)} autoComplete="off" data-testid="wizard-name" />
            <div className="field">
              <label htmlFor="wizard-tier">Tier</label>
              <select id="wizard-tier" value={v.tier} onChange={(e) => set('tier', e.target.value as WizardValues['tier'])} data-testid="wizard-tier">
                {TENANT_TIERS.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </div>
            <TextField label="Brand colour" type="color" value={v.color} error={errors.color} onChange={(e) => set('color', e.target.value.toLowerCase())} hint="Shown in the header while you work inside this tenant." data-testid="wizard-color" />
          </div>
        ) : null}

        {stepId === 'placement' ? (
          <>
            <fieldset className="form-fieldset">
              <legend>Cluster</legend>
              <div className="radio-row">
                <label className="radio">
                  <input type="radio" name="placement" checked={v.placement === 'cluster'} onChange={() => set('placement', 'cluster')} data-testid="wizard-placement-cluster" />
                  Choose a cluster
                </label>
                <label className="radio">
                  <input type="radio" name="placement" checked={v.placement === 'policy'} onChange={() => set('placement', 'policy')} data-testid="wizard-placement-policy" />
                  Let the placement policy choose
                </label>
              </div>
              {v.placement === 'cluster' ? (
                <div className={`field${errors.cluster ? ' field-invalid' : ''}`}>
                  <label htmlFor="wizard-cluster">Signed-in cluster (platform scope)</label>
                  <select id="wizard-cluster" value={v.cluster} onChange={(e) => set('cluster', e.target.value)} aria-invalid={errors.cluster ? true : undefined} aria-describedby={errors.cluster ? 'wizard-cluster-error' : undefined} data-testid="wizard-cluster">
                    <option value="">—</option>
                    {platformClusters.map((c) => (
                      <option key={c} value={c}>
                        {c}
                      </option>
                    ))}
                  </select>
                  {errors.cluster ? (
                    <div id="wizard-cluster-error" className="field-error">
                      {errors.cluster}
                    </div>
                  ) : null}
                </div>
              ) : (
                <PlacementReportView report={report} error={reportError} problem={errors.placement} />
              )}
            </fieldset>
            <fieldset className="form-fieldset">
              <legend>Isolation</legend>
              <div className="radio-row">
                <label className="radio">
                  <input type="radio" name="isolation" checked={v.isolation === 'keyspace'} onChange={() => set('isolation', 'keyspace')} data-testid="wizard-isolation-keyspace" />
                  Keyspaces in a shared cluster
                </label>
                <label className="radio">
                  <input type="radio" name="isolation" checked={v.isolation === 'cluster'} onChange={() => set('isolation', 'cluster')} data-testid="wizard-isolation-cluster" />
                  A dedicated cluster
                </label>
              </div>
            </fieldset>
            <TextField label="Data centres" optional value={v.dataCenters} error={errors.dataCenters} onChange={(e) => set('dataCenters', e.target.value)} hint="The tenant's compliance boundary, comma separated. Empty: every data centre of the cluster." autoComplete="off" data-testid="wizard-dcs" />
          </>
        ) : null}

        {stepId === 'template' ? (
          <TemplatePicker templates={templates} value={v.template} onChange={(t) => set('template', t)} error={errors.template} cluster={targetCluster} />
        ) : null}

        {stepId === 'admin' ? (
          <div className="form-grid">
            <TextField label="Admin user" value={v.adminUser} error={errors.adminUser} onChange={(e) => set('adminUser', e.target.value)} hint={<>Cassandra role <code className="mono">tenant_{v.id || '<id>'}_u_{v.adminUser || '<user>'}</code>, member of the tenant's admin role.</>} autoComplete="off" data-testid="wizard-admin-user" />
            <span />
            <TextField label="Password" type="password" value={v.adminPassword} error={errors.adminPassword} onChange={(e) => set('adminPassword', e.target.value)} hint="At least 12 characters. Sent once to create the role; never stored by this console." autoComplete="new-password" data-testid="wizard-admin-password" />
            <TextField label="Password again" type="password" value={v.adminPasswordAgain} error={errors.adminPasswordAgain} onChange={(e) => set('adminPasswordAgain', e.target.value)} autoComplete="new-password" data-testid="wizard-admin-password-again" />
          </div>
        ) : null}

        {stepId === 'review' ? (
          <dl className="kv" data-testid="wizard-review">
            <dt>Tenant</dt>
            <dd>
              <span className="cell-tenant">
                <Swatch color={v.color} /> <code className="mono strong">{v.id}</code> {v.name}
              </span>
            </dd>
            <dt>Tier</dt>
            <dd>{v.tier}</dd>
            <dt>Cluster</dt>
            <dd>{v.placement === 'cluster' ? <code className="mono">{v.cluster}</code> : <>placement policy (now: <code className="mono">{report?.chosen ?? '—'}</code>)</>}</dd>
            <dt>Isolation</dt>
            <dd>{v.isolation}</dd>
            <dt>Data centres</dt>
            <dd>{splitDcs(v.dataCenters).join(', ') || 'every data centre of the cluster'}</dd>
            <dt>Template</dt>
            <dd>
              <code className="mono">{v.template}</code>
              {template ? <span className="muted"> — keyspaces {template.keyspaces.map((k) => `tenant_${v.id}_${k.suffix}`).join(', ')}</span> : null}
            </dd>
            <dt>Admin user</dt>
            <dd>
              <code className="mono">
                tenant_{v.id}_u_{v.adminUser}
              </code>{' '}
              <span className="muted">(password set, not shown)</span>
            </dd>
          </dl>
        ) : null}

        <div className="dialog-actions wizard-actions">
          <a className="btn btn-ghost" href="#/tenants">
            Cancel
          </a>
          <button type="button" className="btn" disabled={step === 0 || busy} onClick={() => setStep((s) => s - 1)} data-testid="wizard-back">
            Back
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="wizard-next">
            {stepId === 'review' ? (busy ? 'Creating…' : 'Create tenant') : 'Next'}
          </button>
        </div>
      </form>
    </div>
  );
}

function TemplatePicker({ templates, value, onChange, error, cluster }: { templates: TemplateRow[] | null; value: string; onChange(t: string): void; error?: string | undefined; cluster: string | null }) {
  if (!cluster) return <p className="muted">Pick a cluster first: templates are stored per cluster.</p>;
  if (!templates) return <p className="muted" aria-busy="true">Loading templates of {cluster}…</p>;
  const chosen = templates.find((t) => t.name === value);
  return (
    <>
      <fieldset className={`form-fieldset${error ? ' field-invalid' : ''}`} data-testid="wizard-templates">
        <legend>Template on {cluster}</legend>
        {templates.map((t) => (
          <label key={t.name} className="radio template-option">
            <input type="radio" name="template" checked={value === t.name} onChange={() => onChange(t.name)} data-testid={`wizard-template-${t.name}`} />
            <code className="mono strong">{t.name}</code>
            {t.builtIn ? <span className="muted small">built in</span> : null}
            <span className="muted">{t.description}</span>
          </label>
        ))}
        {error ? (
          <div className="field-error" role="alert">
            {error}
          </div>
        ) : null}
      </fieldset>
      {chosen ? (
        <dl className="kv" data-testid="wizard-template-details">
          <dt>Replication</dt>
          <dd>{chosen.replicationFactor} per data centre (capped by the nodes there)</dd>
          <dt>Keyspaces</dt>
          <dd>{chosen.keyspaces.map((k) => `${k.suffix} (${k.tables.length} table${k.tables.length === 1 ? '' : 's'})`).join(', ')}</dd>
          <dt>Quotas</dt>
          <dd>{Object.entries(chosen.quotas).map(([k, n]) => `${k}=${n}`).join(', ') || '—'}</dd>
          <dt>Features</dt>
          <dd>{Object.entries(chosen.features).map(([k, b]) => `${k}: ${b ? 'on' : 'off'}`).join(', ') || '—'}</dd>
        </dl>
      ) : null}
    </>
  );
}

function Provisioning({ started, headingRef }: { started: Started; headingRef: RefObject<HTMLHeadingElement | null> }) {
  const saga = useTenants((s) => s.sagas[started.jobId]);
  const current = saga?.steps.find((s) => s.state === 'running' || s.state === 'failed');
  return (
    <div className="page" data-testid="tenant-provisioning">
      <header className="page-header">
        <div>
          <p className="breadcrumb">
            <a href="#/tenants">Tenants</a> / new
          </p>
          <h1 ref={headingRef} tabIndex={-1}>
            Provisioning <code className="mono">{started.tenant}</code> on <code className="mono">{started.cluster}</code>
          </h1>
        </div>
        <div className="page-actions">
          {saga?.state === 'succeeded' ? (
            <a className="btn btn-primary" href={tenantHref(started.cluster, started.tenant)} data-testid="open-new-tenant">
              Open tenant
            </a>
          ) : null}
        </div>
      </header>
      <p className="sr-only" aria-live="polite">
        {saga ? `Provisioning ${saga.state.replace('_', ' ')}${current ? `: ${current.label} ${current.state}` : ''}` : ''}
      </p>
      <div>
        {saga ? (
          <SagaCard saga={saga} title="Provisioning saga" />
        ) : (
          <p className="muted" aria-busy="true">
            Job <code className="mono">{started.jobId}</code> started; waiting for its first step…
          </p>
        )}
      </div>
    </div>
  );
}
