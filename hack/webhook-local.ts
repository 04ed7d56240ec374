// Registers config/webhook for an operator running as a local process: a CA and a serving
// certificate for 127.0.0.1 in `dir` (tls.crt / tls.key, what --webhook-cert-dir expects), and
// the webhook configurations with `url: https://127.0.0.1:<port>/…` and that CA as caBundle.
// Usage: node hack/webhook-local.ts <port> <dir>   (KUBECONFIG selects the cluster)
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { localBin, repoRoot } from './control-plane.ts';
import { ensureCa, ensureCertificate } from './pki.ts';

export function localWebhookCertificates(dir: string): { caBundle: string } {
  const ca = ensureCa(dir, 'approval-operator-webhook-ca');
  const serving = ensureCertificate(dir, ca, { name: 'serving', commonName: '127.0.0.1', altNames: ['IP:127.0.0.1', 'DNS:localhost'], usage: 'server' });
  copyFileSync(serving.cert, join(dir, 'tls.crt'));
  copyFileSync(serving.key, join(dir, 'tls.key'));
  return { caBundle: readFileSync(ca.cert).toString('base64') };
}

/** The manifests of config/webhook pointed at 127.0.0.1:port. */
export function localWebhookManifests(port: number, caBundle: string): string {
  const text = readFileSync(join(repoRoot, 'config', 'webhook', 'webhooks.yaml'), 'utf8');
  const documents = parseAllDocuments(text).map((doc) => doc.toJS() as { webhooks: Array<{ clientConfig: Record<string, unknown> }> });
  for (const doc of documents) {
    for (const webhook of doc.webhooks) {
      const path = (webhook.clientConfig.service as { path: string }).path;
      webhook.clientConfig = { url: `https://127.0.0.1:${port}${path}`, caBundle };
    }
  }
  return documents.map((doc) => JSON.stringify(doc)).join('\n');
}

export function registerLocalWebhooks(kubeconfig: string, port: number, dir: string): void {
  const { caBundle } = localWebhookCertificates(dir);
  for (const manifest of localWebhookManifests(port, caBundle).split('\n')) {
    execFileSync(join(localBin, 'kubectl'), [`--kubeconfig=${kubeconfig}`, 'apply', '--server-side', '--force-conflicts', '-f', '-'], {
      input: manifest,
      stdio: ['pipe', 'ignore', 'inherit'],
    });
  }
}

export function unregisterLocalWebhooks(kubeconfig: string): void {
  execFileSync(join(localBin, 'kubectl'), [`--kubeconfig=${kubeconfig}`, 'delete', '--ignore-not-found',
    'mutatingwebhookconfiguration/approval-operator', 'validatingwebhookconfiguration/approval-operator'], { stdio: 'ignore' });
}

if (import.meta.main) {
  const [port, dir] = process.argv.slice(2);
  const kubeconfig = process.env.KUBECONFIG;
  if (!port || !dir || !kubeconfig) {
    console.error('usage: KUBECONFIG=… node hack/webhook-local.ts <port> <dir>');
    process.exit(2);
  }
  registerLocalWebhooks(kubeconfig, Number(port), dir);
  console.log(`admission webhooks registered at https://127.0.0.1:${port} (certificates in ${dir})`);
}
