// Run in a child process with its own D-Bus session and keyring (see test/integration/keychain.test.ts):
// registers a cluster, locks the real gnome-keyring collection over D-Bus, tries again, and
// prints what the console did as one JSON line.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices } from '../../src-main/app/services';
import { localClient } from '../../src-main/ipc/local-client';

const dataDir = mkdtempSync(join(tmpdir(), 'csm-lock-'));
const svc = await createServices({ host: 'cli', dataDir, keychainService: `csm-lock-${process.pid}` });
const api = localClient(svc.router, { host: 'cli' });
const profile = (name: string, password: string) => ({ name, contactPoints: ['127.0.0.1:9042'], localDc: 'dc1', username: 'u', password });
const out: Record<string, unknown> = {};
const before = await api.call('cluster.add', profile('before', 'pw-before'));
out['before'] = before.ok ? 'ok' : before.error.code;
if (process.argv.includes('--lock')) {
  execFileSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login'], { stdio: 'ignore' });
}
const after = await api.call('cluster.add', profile('after', 'pw-after-Zq913'));
out['after'] = after.ok ? 'ok' : after.error;
out['rows'] = svc.store.clusterProfiles.list().map((p) => p.name);
await svc.close();
process.stdout.write(JSON.stringify(out) + '\n');
