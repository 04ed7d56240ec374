// Certificates for the local control plane and the webhook server, made with openssl
// (a Debian base package), so the project needs no crypto code of its own for them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertificateFiles {
  cert: string;
  key: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed CA in `dir`; kept when it already exists so issued certificates stay valid. */
export function ensureCa(dir: string, commonName: string): CertificateFiles {
  mkdirSync(dir, { recursive: true });
  const files = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  if (existsSync(files.cert) && existsSync(files.key)) return files;
  openssl(['req', '-x509', ...ecKey, '-keyout', files.key, '-out', files.cert, '-days', '3650', '-subj', `/CN=${commonName}`], dir);
  return files;
}

export interface CertificateRequest {
  name: string;
  commonName: string;
  organization?: string;
  /** Subject alternative names, e.g. ['IP:127.0.0.1', 'DNS:localhost'] (server certificates). */
  altNames?: string[];
  usage: 'server' | 'client';
}

/** A certificate signed by `ca`, written as `<name>.crt` / `<name>.key` in `dir`; kept when present. */
export function ensureCertificate(dir: string, ca: CertificateFiles, request: CertificateRequest): CertificateFiles {
  const files = { cert: join(dir, `${request.name}.crt`), key: join(dir, `${request.name}.key`) };
  if (existsSync(files.cert) && existsSync(files.key)) return files;
  const subject = `/CN=${request.commonName}` + (request.organization ? `/O=${request.organization}` : '');
  const extensions = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${request.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
  ];
  if (request.altNames?.length) extensions.push(`subjectAltName=${request.altNames.join(',')}`);
  const extFile = join(dir, `${request.name}.ext`);
  writeFileSync(extFile, extensions.join('\n') + '\n');
  const csr = join(dir, `${request.name}.csr`);
  openssl(['req', ...ecKey, '-keyout', files.key, '-out', csr, '-subj', subject], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', files.cert, '-days', '825', '-extfile', extFile], dir);
  return files;
}

/** An RSA key pair for signing service-account tokens. */
export function ensureServiceAccountKeys(dir: string): { publicKey: string; privateKey: string } {
  const files = { privateKey: join(dir, 'sa.key'), publicKey: join(dir, 'sa.pub') };
  if (existsSync(files.privateKey) && existsSync(files.publicKey)) return files;
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', files.privateKey], dir);
  openssl(['pkey', '-in', files.privateKey, '-pubout', '-out', files.publicKey], dir);
  return files;
}
