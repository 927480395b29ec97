import type { Verification } from '../../../src-shared/contract/audit';
import type { StreamCounts } from '../index';
import type { StoredAuditEvent } from '../types';

/**
 * The per-tenant compliance report (issue 9 item 4): one self-contained HTML document — inline
 * CSS, no scripts, no external resources (the page's own CSP says so) — that prints to PDF
 * (@media print: no backgrounds needed, tables not split mid-row).
 */
export interface ReportInput {
  stream: string;
  tenant: string | null;
  cluster: string;
  /** `live mirror of <cluster>` or `snapshot <id> imported <at>`. */
  origin: string;
  range: { since: string | null; until: string | null };
  counts: StreamCounts;
  refusals: StoredAuditEvent[];
  alerts: StoredAuditEvent[];
  verification: Verification;
  /** Who signed (fingerprints) and how an auditor should treat it. */
  signerFingerprints: string[];
  generatedAt: string;
  generatedBy: string | null;
}

const esc = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const CSS = `
  body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111; margin: 24px; }
  h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 20px 0 6px; border-bottom: 1px solid #ccc; }
  table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; } th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #e4e4e4; vertical-align: top; }
  th { background: #f3f3f3; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
  .meta td:first-child { width: 14em; color: #555; } code { font: 12px ui-monospace, monospace; word-break: break-all; }
  .intact { color: #0a6b2d; font-weight: 600; } .tampered { color: #a40e0e; font-weight: 600; }
  .note { color: #555; font-size: 12px; } .grid { display: flex; gap: 24px; flex-wrap: wrap; } .grid > div { flex: 1 1 14em; }
  @media print { body { margin: 0; font-size: 11px; } h2 { break-after: avoid; } tr { break-inside: avoid; } .noprint { display: none; } @page { margin: 14mm; } }
`;

const countTable = (title: string, m: Record<string, number>): string =>
  `<div><h3>${esc(title)}</h3><table><tr><th>${esc(title)}</th><th>events</th></tr>${
    Object.keys(m).length === 0 ? '<tr><td colspan="2">none</td></tr>' : Object.entries(m).map(([k, n]) => `<tr><td>${esc(k)}</td><td class="n">${n}</td></tr>`).join('')
  }</table></div>`;

const eventRows = (events: StoredAuditEvent[], empty: string): string =>
  events.length === 0
    ? `<p>${esc(empty)}</p>`
    : `<table><tr><th>seq</th><th>time</th><th>type</th><th>user</th><th>outcome</th><th>operation</th></tr>${events
        .map((e) => `<tr><td class="n">${e.seq}</td><td>${esc(e.at)}</td><td>${esc(e.type)}</td><td>${esc(e.user ?? '')}</td><td>${esc(e.outcome)}${e.errorCode ? ` (${esc(e.errorCode)})` : ''}</td><td>${esc(e.operation.slice(0, 300))}</td></tr>`)
        .join('')}</table>`;

export function renderReport(r: ReportInput): string {
  const v = r.verification;
  const title = `Audit compliance report — ${r.tenant ? `tenant ${r.tenant}` : 'platform stream'}`;
  const status = v.intact
    ? `<p class="intact">Verification: intact — ${v.events} events${v.firstSeq !== null ? ` (seq ${v.firstSeq}–${v.lastSeq})` : ''}, ${v.batches} signed batches, hash chain and every batch signature check.</p>`
    : `<p class="tampered">Verification: NOT intact — ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}.</p><table><tr><th>kind</th><th>seq</th><th>batch</th><th>what</th></tr>${v.problems
        .map((p) => `<tr><td>${esc(p.kind)}</td><td class="n">${p.seq ?? ''}</td><td class="n">${p.batch ?? ''}</td><td>${esc(p.message)}</td></tr>`)
        .join('')}</table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="note">Generated ${esc(r.generatedAt)}${r.generatedBy ? ` by ${esc(r.generatedBy)}` : ''} by Cassandra Security Manager. Print this page to save it as PDF.</p>
<table class="meta">
<tr><td>stream</td><td><code>${esc(r.stream)}</code></td></tr>
<tr><td>cluster</td><td>${esc(r.cluster)}</td></tr>
<tr><td>source</td><td>${esc(r.origin)}</td></tr>
<tr><td>requested range</td><td>${esc(r.range.since ?? 'start')} — ${esc(r.range.until ?? 'now')}</td></tr>
<tr><td>events in range</td><td>${r.counts.total}${r.counts.firstAt ? ` (${esc(r.counts.firstAt)} — ${esc(r.counts.lastAt)})` : ''}</td></tr>
<tr><td>signing keys (sha256 of SPKI)</td><td>${r.signerFingerprints.length ? r.signerFingerprints.map((f) => `<code>${esc(f)}</code>`).join('<br>') : 'none'}</td></tr>
</table>
<p class="note">Trust: the signatures prove the events were signed by the keys above. Compare the fingerprint with the one the tenant publishes (csm keys status), by a channel other than this file.</p>
<h2>Verification</h2>
${status}
<h2>Counts</h2>
<div class="grid">${countTable('type', r.counts.byType)}${countTable('category', r.counts.byCategory)}${countTable('outcome', r.counts.byOutcome)}${countTable('user', r.counts.byUser)}</div>
<h2>Security alerts (${r.alerts.length}${r.alerts.length >= 200 ? ', newest 200' : ''})</h2>
${eventRows(r.alerts, 'No security alerts in this range.')}
<h2>Refused and failed operations (${r.refusals.length}${r.refusals.length >= 200 ? ', newest 200' : ''})</h2>
${eventRows(r.refusals, 'No refused or failed operations in this range.')}
</body></html>
`;
}
