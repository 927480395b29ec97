/** Billing (issue 10). SEAM: replaced by its owner. */
export function BillingPage() {
  return (
    <section aria-label="Billing" data-testid="billing-page">
      <h1>Billing</h1>
      <p className="muted">Being built.</p>
    </section>
  );
}
