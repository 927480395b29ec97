/** MSP dashboard across tenants and bulk operations (issue 6 item 5). */
export function MspPage() {
  return (
    <section>
      <h1>All tenants</h1>
    </section>
  );
}
