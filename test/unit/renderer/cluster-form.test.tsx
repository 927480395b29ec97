// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { EMPTY_FORM, splitContactPoints, validateAdd, validateSignIn } from '../../../src-renderer/features/clusters/form';
import { createFakeBridge, fail, ok, profile, renderApp } from './fake-bridge';

const good = {
  ...EMPTY_FORM,
  name: 'prod-eu-1',
  contactPoints: '10.0.0.5:9042, 10.0.0.6:9042\n[::1]:9042',
  localDc: 'dc1',
  username: 'csm_admin',
  password: 's3cret',
};

describe('cluster form validation (unit: shared zod schemas, no bridge)', () => {
  it('accepts a good form and splits contact points on commas, spaces and new lines', () => {
    expect(splitContactPoints(' a:1, b:2\n\nc:3 ,')).toEqual(['a:1', 'b:2', 'c:3']);
    const r = validateAdd(good);
    expect(r).toEqual({
      ok: true,
      input: {
        name: 'prod-eu-1',
        contactPoints: ['10.0.0.5:9042', '10.0.0.6:9042', '[::1]:9042'],
        localDc: 'dc1',
        username: 'csm_admin',
        password: 's3cret',
        tls: null,
      },
    });
  });

  it.each([
    ['Prod', 'upper case'],
    ['1prod', 'leading digit'],
    ["prod'; DROP KEYSPACE csm_system; --", 'CQL injection'],
    ['prod"', 'quote'],
    ['a'.repeat(41), 'too long'],
  ])('rejects cluster name %j (%s)', (name) => {
    const r = validateAdd({ ...good, name });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.name).toMatch(/^cluster name: a lower-case letter/);
  });

  it('rejects injection-looking role names and data centres', () => {
    const r = validateAdd({ ...good, username: "admin' OR '1'='1", localDc: 'dc1; DROP ROLE x' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.username).toMatch(/^role name:/);
      expect(r.errors.localDc).toMatch(/^data centre:/);
    }
  });

  it('names the contact points that are not HOST:PORT', () => {
    const r = validateAdd({ ...good, contactPoints: '10.0.0.5:9042, 10.0.0.6, host;rm -rf /:9042, h:99999' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.contactPoints).toMatch(/not HOST:PORT: "10\.0\.0\.6", "host;rm"/);
    const empty = validateAdd({ ...good, contactPoints: ' , ' });
    if (!empty.ok) expect(empty.errors.contactPoints).toMatch(/at least one contact point/);
  });

  it('requires a password, a CA with TLS, and a certificate with its key', () => {
    const r = validateAdd({ ...good, password: '', certFile: '/tls/client.pem' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.password).toBe('password is required');
      expect(r.errors.caFile).toMatch(/CA certificate/);
    }
    const pair = validateAdd({ ...good, caFile: '/tls/ca.pem', certFile: '/tls/client.pem' });
    if (!pair.ok) expect(pair.errors.keyFile).toBe('a client certificate and its key go together');
    const tls = validateAdd({ ...good, caFile: '/tls/ca.pem', certFile: '/tls/c.pem', keyFile: '/tls/c.key' });
    expect(tls.ok && tls.input.tls).toEqual({ caFile: '/tls/ca.pem', certFile: '/tls/c.pem', keyFile: '/tls/c.key' });
  });

  it('sign-in: blank uses stored credentials; another role needs its password', () => {
    const p = profile('prod');
    expect(validateSignIn(p, { username: '', password: '' })).toEqual({ ok: true, input: { cluster: 'prod' } });
    const other = validateSignIn(p, { username: 'alice', password: '' });
    expect(!other.ok && other.errors.password).toMatch(/password of role alice/);
    const bad = validateSignIn(p, { username: "x' --", password: 'p' });
    expect(!bad.ok && bad.errors.username).toMatch(/^role name:/);
  });
});

describe('Add cluster dialog (unit: fake bridge)', () => {
  beforeEach(() => {
    resetAllStores();
    window.location.hash = '#/clusters';
  });
  afterEach(cleanup);

  async function openForm(fake: ReturnType<typeof createFakeBridge>) {
    renderApp(fake);
    const opener = await screen.findByTestId('add-cluster');
    opener.focus(); // fireEvent.click does not move focus the way a real click does
    fireEvent.click(opener);
    return screen.getByTestId('cluster-form-dialog');
  }

  it('shows a message under each bad field and sends nothing', async () => {
    const fake = createFakeBridge();
    const dialog = await openForm(fake);
    const d = within(dialog);
    fireEvent.change(d.getByLabelText('Name'), { target: { value: "prod'; DROP KEYSPACE x" } });
    fireEvent.change(d.getByLabelText('Contact points'), { target: { value: 'nohost' } });
    fireEvent.change(d.getByLabelText('Local data centre'), { target: { value: 'dc1' } });
    fireEvent.change(d.getByLabelText('Username'), { target: { value: 'admin" OR 1=1' } });
    fireEvent.click(d.getByTestId('cluster-form-submit'));

    expect(d.getByText(/^cluster name: a lower-case letter/)).toBeTruthy();
    expect(d.getByText(/not HOST:PORT: "nohost"/)).toBeTruthy();
    expect(d.getByText(/^role name:/)).toBeTruthy();
    expect(d.getByText('password is required')).toBeTruthy();
    expect(d.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(d.getByLabelText('Name'));
    expect(fake.callsTo('cluster.add')).toHaveLength(0);
  });

  it('the password input is type=password with autocomplete off', async () => {
    const dialog = await openForm(createFakeBridge());
    const pw = within(dialog).getByLabelText('Password') as HTMLInputElement;
    expect(pw.type).toBe('password');
    expect(pw.autocomplete).toBe('off');
  });

  it('shows a server error inside the form (and as a toast) and keeps the dialog open', async () => {
    const fake = createFakeBridge({ 'cluster.add': () => fail('CONFLICT', 'a cluster named prod already exists') });
    const dialog = await openForm(fake);
    const d = within(dialog);
    fireEvent.change(d.getByLabelText('Name'), { target: { value: 'prod' } });
    fireEvent.change(d.getByLabelText('Contact points'), { target: { value: '10.0.0.5:9042' } });
    fireEvent.change(d.getByLabelText('Local data centre'), { target: { value: 'dc1' } });
    fireEvent.change(d.getByLabelText('Username'), { target: { value: 'csm_admin' } });
    fireEvent.change(d.getByLabelText('Password'), { target: { value: 'pw' } });
    fireEvent.click(d.getByTestId('cluster-form-submit'));

    const err = await d.findByTestId('form-error');
    expect(err.textContent).toContain('CONFLICT');
    expect(err.textContent).toContain('a cluster named prod already exists');
    expect(screen.getByTestId('toast-code').textContent).toBe('CONFLICT');
    expect(fake.callsTo('cluster.add')[0]?.input).toMatchObject({ name: 'prod', contactPoints: ['10.0.0.5:9042'], password: 'pw' });
  });

  it('adds the profile to the table on success and closes', async () => {
    const fake = createFakeBridge({ 'cluster.add': (i) => ok(profile(i.name, { contactPoints: i.contactPoints })) });
    const dialog = await openForm(fake);
    const d = within(dialog);
    fireEvent.change(d.getByLabelText('Name'), { target: { value: 'prod' } });
    fireEvent.change(d.getByLabelText('Contact points'), { target: { value: '10.0.0.5:9042' } });
    fireEvent.change(d.getByLabelText('Local data centre'), { target: { value: 'dc1' } });
    fireEvent.change(d.getByLabelText('Username'), { target: { value: 'csm_admin' } });
    fireEvent.change(d.getByLabelText('Password'), { target: { value: 'pw' } });
    await act(async () => {
      fireEvent.click(d.getByTestId('cluster-form-submit'));
    });
    await waitFor(() => expect(screen.queryByTestId('cluster-form-dialog')).toBeNull());
    expect(screen.getByTestId('cluster-row-prod')).toBeTruthy();
  });

  it('Escape closes the dialog and focus returns to the opener', async () => {
    const fake = createFakeBridge();
    const dialog = await openForm(fake);
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByTestId('cluster-form-dialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('add-cluster'));
  });
});
