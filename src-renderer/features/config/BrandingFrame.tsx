import { useEffect, useRef, type ReactNode } from 'react';
import { HEX_COLOR_PATTERN } from '../../../src-shared/rules/tenant-config';
import { useClient } from '../../app/client';
import { loadBranding } from './actions';
import { configKey, useConfig } from './store';

/**
 * Custom properties set through the CSSOM (`style.setProperty`): the CSP's `style-src 'self'`
 * refuses style attributes in markup and inline <style>, not CSSOM writes from our own script.
 * Only validated #rrggbb values are written.
 */
export function useBrandColours(primary: string | null | undefined, accent: string | null | undefined) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    for (const [name, v] of [
      ['--tenant-primary', primary],
      ['--tenant-accent', accent],
    ] as const) {
      if (v && HEX_COLOR_PATTERN.test(v)) el.style.setProperty(name, v);
      else el.style.removeProperty(name);
    }
  }, [primary, accent]);
  return ref;
}

/** Wraps what is shown while inside a tenant (the detail page header) in that tenant's branding. */
export function TenantBrandingFrame({ cluster, tenant, children }: { cluster: string; tenant: string; children: ReactNode }) {
  const client = useClient();
  const b = useConfig((s) => s.brandings[configKey(cluster, tenant)]);
  useEffect(() => {
    void loadBranding(client, cluster, tenant);
  }, [client, cluster, tenant]);
  const ref = useBrandColours(b?.primaryColor, b?.accentColor);
  return (
    <div className="tenant-branding" data-branded={b?.set ? 'yes' : 'no'} ref={ref} data-testid="tenant-branding">
      {b?.set ? (
        <div className="tenant-branding-bar">
          {b.logo ? <img className="tenant-logo" src={b.logo.dataUrl} alt="" width={b.logo.width} height={b.logo.height} data-testid="tenant-logo" /> : null}
          <span className="tenant-display-name" data-testid="tenant-display-name">
            {b.displayName}
          </span>
        </div>
      ) : null}
      {children}
    </div>
  );
}
