import type { TenantState } from '../../../src-shared/rules/lifecycle';
import { Badge, type Tone } from '../../ui/Badge';

export const STATE_TONE: Record<TenantState, Tone> = {
  draft: 'neutral',
  provisioning: 'info',
  active: 'success',
  suspended: 'warning',
  migrating: 'info',
  decommissioning: 'warning',
  deleted: 'neutral',
  failed: 'danger',
};

export function StateBadge({ state }: { state: TenantState }) {
  return (
    <Badge tone={STATE_TONE[state]} testId="tenant-state">
      {state}
    </Badge>
  );
}

const HEX = /^#[0-9a-fA-F]{6}$/;

/**
 * The tenant's brand colour as an SVG fill *attribute*: presentation attributes are not
 * styles, so the strict CSP (no inline styles) has nothing to say about them.
 */
export function Swatch({ color, size = 12, label }: { color: string | null; size?: number; label?: string }) {
  const fill = color && HEX.test(color) ? color : null;
  return (
    <svg
      className={`swatch${fill ? '' : ' swatch-none'}`}
      width={size}
      height={size}
      viewBox="0 0 12 12"
      role={label ? 'img' : undefined}
      aria-label={label}
      aria-hidden={label ? undefined : true}
      focusable="false"
      data-color={fill ?? ''}
    >
      <rect x="0.5" y="0.5" width="11" height="11" rx="3" fill={fill ?? 'none'} stroke="currentColor" strokeOpacity={fill ? 0.25 : 0.6} />
    </svg>
  );
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

export const tenantHref = (cluster: string, id: string): string => `#/tenants/${encodeURIComponent(cluster)}/${encodeURIComponent(id)}`;
export const newTenantHref = '#/tenants/new';
