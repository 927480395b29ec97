/**
 * The "Keys" tab of the tenant detail view. The keys feature (src-renderer/features/keys)
 * provides `KeysTab({cluster, tenant})`; until it lands this slot says so rather than
 * pretending. Mounting it is a one-line change here.
 */
export function KeysSlot({ cluster, tenant }: { cluster: string; tenant: string }) {
  return (
    <div className="empty-state" data-testid="keys-tab-slot">
      <p className="muted">
        Keys of <code className="mono">{tenant}</code> on <code className="mono">{cluster}</code>: the keys view is not part of this build yet.
      </p>
    </div>
  );
}
