/** Support access and approvals (issue 6 item 5). */
export function AccessPage() {
  return (
    <section>
      <h1>Support access &amp; approvals</h1>
    </section>
  );
}
