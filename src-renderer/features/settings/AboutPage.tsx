import { useId } from 'react';
import { useAppInfo } from '../../app/stores/appInfo';
import { useTheme, type ThemePreference } from '../../app/stores/theme';
import { Badge, ErrorCode, type Tone } from '../../ui/Badge';
import { KeySharesPanel } from '../keys/KeySharesPanel';

const NOTICE_TONE: Record<'info' | 'warning' | 'error', Tone> = { info: 'info', warning: 'warning', error: 'danger' };
const HOST_LABEL = { electron: 'desktop (Electron)', web: 'loopback web host', cli: 'command line' } as const;
const SECRET_LABEL = { keychain: 'OS keychain', vault: 'Vault' } as const;

function ThemeChoice() {
  const preference = useTheme((s) => s.preference);
  const setPreference = useTheme((s) => s.setPreference);
  const name = useId();
  const options: { value: ThemePreference; label: string }[] = [
    { value: 'system', label: 'Follow the system' },
    { value: 'light', label: 'Light' },
    { value: 'dark', label: 'Dark' },
  ];
  return (
    <fieldset className="form-fieldset">
      <legend>Theme</legend>
      <div className="radio-row">
        {options.map((o) => (
          <label key={o.value} className="radio">
            <input
              type="radio"
              name={name}
              value={o.value}
              checked={preference === o.value}
              onChange={() => setPreference(o.value)}
            />
            {o.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export function AboutPage() {
  const { info, status, error } = useAppInfo();
  return (
    <div className="page page-narrow" data-testid="about-page">
      <header className="page-header">
        <div>
          <h1>About &amp; settings</h1>
          <p className="muted">This console install: version, where it keeps its data and secrets.</p>
        </div>
      </header>

      <section className="card" aria-labelledby="about-title" data-testid="app-info">
        <header className="card-header">
          <h2 id="about-title">Cassandra Security Manager</h2>
        </header>
        {info ? (
          <dl className="kv">
            <dt>Version</dt>
            <dd>
              <code className="mono" data-testid="app-version">
                {info.version}
              </code>
            </dd>
            <dt>Host</dt>
            <dd>{HOST_LABEL[info.host]}</dd>
            <dt>Data directory</dt>
            <dd>
              <code className="mono break">{info.dataDir}</code>
            </dd>
            <dt>Secret backend</dt>
            <dd>{SECRET_LABEL[info.secretBackend]}</dd>
            <dt>Local schema</dt>
            <dd>
              <code className="mono">v{info.schemaVersion}</code>
            </dd>
          </dl>
        ) : status === 'error' && error ? (
          <p>
            <ErrorCode code={error.code} /> {error.message}
          </p>
        ) : (
          <p className="muted">Loading…</p>
        )}
      </section>

      <section className="card" aria-labelledby="notices-title" data-testid="app-notices">
        <header className="card-header">
          <h2 id="notices-title">Start-up notices</h2>
        </header>
        {info && info.notices.length > 0 ? (
          <ul className="notices">
            {info.notices.map((n, i) => (
              <li key={i}>
                <Badge tone={NOTICE_TONE[n.level]}>{n.level}</Badge> <span>{n.message}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">{info ? 'None: local state opened cleanly.' : '—'}</p>
        )}
      </section>

      <section className="card" aria-labelledby="settings-title">
        <header className="card-header">
          <h2 id="settings-title">Appearance</h2>
        </header>
        <ThemeChoice />
      </section>

      <KeySharesPanel />
    </div>
  );
}
