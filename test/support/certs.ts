import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  caCert: string;
  nodeKey: string;
  nodeCert: string;
  clientKey: string;
  clientCert: string;
  foreignCaCert: string;
  foreignClientKey: string;
  foreignClientCert: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

function ca(dir: string, name: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
  openssl(['req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-days', '2', '-out', `${name}.pem`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

function leaf(dir: string, issuer: string, name: string, ext: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`], dir);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
}

/**
 * A throwaway PKI made with the openssl CLI (an independent tool, so the console's own PKI code
 * is not testing itself): a CA, a node certificate for 127.0.0.1, a client certificate, and a
 * foreign CA with its own client certificate. Keys are PKCS#8, as Cassandra's PEM factory wants.
 */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'csm-pki-'));
  ca(dir, 'ca');
  ca(dir, 'foreign-ca');
  leaf(dir, 'ca', 'node', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature\n');
  leaf(dir, 'ca', 'client', 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n');
  leaf(dir, 'foreign-ca', 'foreign-client', 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n');
  const p = (f: string): string => join(dir, f);
  return {
    dir,
    caCert: p('ca.pem'),
    nodeKey: p('node.key'),
    nodeCert: p('node.pem'),
    clientKey: p('client.key'),
    clientCert: p('client.pem'),
    foreignCaCert: p('foreign-ca.pem'),
    foreignClientKey: p('foreign-client.key'),
    foreignClientCert: p('foreign-client.pem'),
  };
}
