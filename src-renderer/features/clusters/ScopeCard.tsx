import type { OperatorScope } from '../../../src-shared/contract/clusters';
import { Badge, YesNo } from '../../ui/Badge';

function List({ items, empty }: { items: string[]; empty: string }) {
  if (!items.length) return <span className="muted">{empty}</span>;
  return (
    <ul className="inline-list">
      {items.map((t) => (
        <li key={t}>
          <code className="mono">{t}</code>
        </li>
      ))}
    </ul>
  );
}

/** What the signed-in role may do on this cluster, exactly as main derived it from Cassandra. */
export function ScopeCard({ scope }: { scope: OperatorScope }) {
  return (
    <section className="card" aria-labelledby="scope-title" data-testid="session-scope">
      <header className="card-header">
        <h2 id="scope-title">
          Session on <code className="mono">{scope.cluster}</code>
        </h2>
        {scope.platform ? <Badge tone="accent">platform scope</Badge> : null}
      </header>
      <dl className="kv">
        <dt>Role</dt>
        <dd>
          <code className="mono" data-testid="scope-role">
            {scope.role}
          </code>
        </dd>
        <dt>Superuser</dt>
        <dd>
          <YesNo value={scope.superuser} yesTone="warning" />
        </dd>
        <dt>Platform</dt>
        <dd>
          <YesNo value={scope.platform} yesTone="accent" />
        </dd>
        <dt>Tenant admin of</dt>
        <dd>
          <List items={scope.tenantAdmin} empty="no tenant" />
        </dd>
        <dt>Auditor of</dt>
        <dd>{scope.auditor === 'all' ? <Badge tone="info">all tenants</Badge> : <List items={scope.auditor} empty="no tenant" />}</dd>
        <dt>Roles held</dt>
        <dd>
          <List items={scope.roles} empty="none" />
        </dd>
      </dl>
    </section>
  );
}
