import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files of a test CA, a server certificate it signed for 127.0.0.1/localhost, and an unrelated CA. */
export interface TestCertificates {
  readonly dir: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** A CA that did not sign the server certificate. */
  readonly wrongCaFile: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
    '-keyout', `${name}.key`, '-out', `${name}.crt`], dir);
}

/** Generates the certificates with openssl into `dir` (fresh keys on every call). */
export function makeTestCertificates(dir: string): TestCertificates {
  makeCa(dir, 'test-ca');
  makeCa(dir, 'wrong-ca');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr'], dir);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'test-ca.crt', '-CAkey', 'test-ca.key', '-CAcreateserial',
    '-days', '2', '-extfile', 'server.ext', '-out', 'server.crt'], dir);
  return {
    dir,
    caFile: join(dir, 'test-ca.crt'),
    certFile: join(dir, 'server.crt'),
    keyFile: join(dir, 'server.key'),
    wrongCaFile: join(dir, 'wrong-ca.crt'),
  };
}
