// The local control plane: etcd + kube-apiserver on 127.0.0.1 with TLS, RBAC and a
// client-certificate admin, started from the binaries in .local/bin. `make cluster-up` keeps one
// in .local/cluster; the integration tests start their own in a temporary folder, one per run.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureCa, ensureCertificate, ensureServiceAccountKeys } from './pki.ts';

export const repoRoot = resolve(import.meta.dirname, '..');
export const localBin = join(repoRoot, '.local', 'bin');

export interface ControlPlane {
  dir: string;
  kubeconfig: string;
  server: string;
  serverVersion: string;
}

interface State {
  etcdPid: number;
  apiserverPid: number;
  server: string;
  etcdUrl: string;
}

const stateFile = (dir: string) => join(dir, 'state.json');

function readState(dir: string): State | undefined {
  if (!existsSync(stateFile(dir))) return undefined;
  return JSON.parse(readFileSync(stateFile(dir), 'utf8')) as State;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A process that exited but was not reaped yet (a zombie: one started by an earlier command,
  // whose new parent reaps late) is not alive.
  try {
    return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function startProcess(binary: string, args: string[], logFile: string): number {
  const out = openSync(logFile, 'a');
  // detached: its own process group, so it outlives `make cluster-up` and is stopped by PID.
  const child = spawn(join(localBin, binary), args, { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${binary}`);
  return child.pid;
}

/**
 * A control plane for a real node (hack/node-cluster.ts) instead of API-only tests: the API server
 * binds to and advertises the node's address, so pods reach it through the `kubernetes` Service;
 * ServiceAccount admission (the pods' token volumes), Node authorization + NodeRestriction for the
 * kubelet, and a client certificate for the API server's calls to the kubelet (logs, exec).
 * Integration tests never set it: their API server keeps the flags below.
 */
export interface NodeOptions {
  /** The node's address (not loopback: the kubelet refuses it, and pods cannot reach it). */
  address: string;
  /** The `kubernetes` Service's ClusterIP, the first address of the service range. */
  serviceIp: string;
}

interface Pki {
  ca: string;
  serving: { cert: string; key: string };
  admin: { cert: string; key: string };
  sa: { publicKey: string; privateKey: string };
}

function ensurePki(dir: string, node?: NodeOptions): Pki {
  const pkiDir = join(dir, 'pki');
  const ca = ensureCa(pkiDir, 'approval-operator-local-ca');
  const nodeNames = node ? [`IP:${node.address}`, `IP:${node.serviceIp}`, 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc.cluster.local'] : [];
  const serving = ensureCertificate(pkiDir, ca, {
    name: 'apiserver',
    commonName: 'kube-apiserver',
    altNames: ['IP:127.0.0.1', 'DNS:localhost', 'DNS:kubernetes.default.svc', ...nodeNames],
    usage: 'server',
  });
  const admin = ensureCertificate(pkiDir, ca, { name: 'admin', commonName: 'admin', organization: 'system:masters', usage: 'client' });
  return { ca: ca.cert, serving, admin, sa: ensureServiceAccountKeys(pkiDir) };
}

function writeKubeconfig(path: string, server: string, pki: Pki): void {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'approval-local', cluster: { server, 'certificate-authority-data': b64(pki.ca) } }],
    users: [{ name: 'admin', user: { 'client-certificate-data': b64(pki.admin.cert), 'client-key-data': b64(pki.admin.key) } }],
    contexts: [{ name: 'approval-local', context: { cluster: 'approval-local', user: 'admin', namespace: 'default' } }],
    'current-context': 'approval-local',
  };
  // JSON is valid YAML; kubectl and the operator (src/runtime/credentials.ts) read it as a kubeconfig.
  writeFileSync(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
}

/** GET a path on the API server as the admin; resolves with status and body, never throws on HTTP errors. */
function adminGet(server: string, pki: Pki, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet, reject) => {
    const req = request(
      new URL(path, server),
      { ca: readFileSync(pki.ca), cert: readFileSync(pki.admin.cert), key: readFileSync(pki.admin.key), timeout: 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : '';
  throw new Error(`${what} not ready after ${timeoutMs} ms; last log lines of ${logFile}:\n${tail}`);
}

async function isReady(server: string, pki: Pki): Promise<boolean> {
  const ready = await adminGet(server, pki, '/readyz');
  if (ready.status !== 200 || ready.body.trim() !== 'ok') return false;
  // The bootstrap controller creates `default` shortly after readiness; wait for it like envtest does.
  return (await adminGet(server, pki, '/api/v1/namespaces/default')).status === 200;
}

async function serverVersion(server: string, pki: Pki): Promise<string> {
  const res = await adminGet(server, pki, '/version');
  return (JSON.parse(res.body) as { gitVersion: string }).gitVersion;
}

export interface ControlPlaneOptions {
  /**
   * An AuthenticationConfiguration file (`--authentication-config`), e.g. a JWT issuer the
   * console's people sign in at. Off by default: the integration tests' shared control plane
   * authenticates client certificates and impersonation only. The API server re-reads the file
   * when it changes; a running control plane started without it is restarted with it.
   */
  authenticationConfig?: string;
  /** Flags for a real node (hack/node-cluster.ts); never set for the integration tests. */
  node?: NodeOptions;
}

/** Whether the running kube-apiserver was started with exactly `args` among its flags. */
function runsWith(pid: number, args: string[]): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.every((arg) => cmdline.includes(arg));
  } catch {
    return false;
  }
}

/** Starts etcd and kube-apiserver with state in `dir`, or reuses the ones already running there. */
export async function startControlPlane(dir: string, kubeconfig = join(dir, 'kubeconfig'), options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  mkdirSync(dir, { recursive: true });
  const node = options.node;
  const pki = ensurePki(dir, node);
  const extraArgs = options.authenticationConfig ? [`--authentication-config=${resolve(options.authenticationConfig)}`] : [];
  const previous = readState(dir);
  if (previous && isAlive(previous.etcdPid) && isAlive(previous.apiserverPid) && runsWith(previous.apiserverPid, extraArgs) && (await isReady(previous.server, pki).catch(() => false))) {
    writeKubeconfig(kubeconfig, previous.server, pki);
    return { dir, kubeconfig, server: previous.server, serverVersion: await serverVersion(previous.server, pki) };
  }
  await stopControlPlane(dir);

  const [etcdClientPort, etcdPeerPort, apiserverPort] = [await freePort(), await freePort(), await freePort(node?.address)];
  const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
  const etcdLog = join(dir, 'etcd.log');
  const etcdPid = startProcess('etcd', [
    '--name=local',
    `--data-dir=${join(dir, 'etcd-data')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
    `--initial-cluster=local=http://127.0.0.1:${etcdPeerPort}`,
    '--unsafe-no-fsync',
    '--quota-backend-bytes=8589934592',
    '--log-level=warn',
  ], etcdLog);
  const server = `https://${node?.address ?? '127.0.0.1'}:${apiserverPort}`;
  writeFileSync(stateFile(dir), JSON.stringify({ etcdPid, apiserverPid: 0, server, etcdUrl } satisfies State));
  await waitFor('etcd', async () => (await fetch(`${etcdUrl}/health`)).ok, 30_000, etcdLog);

  const apiserverLog = join(dir, 'kube-apiserver.log');
  const address = node?.address ?? '127.0.0.1';
  const apiserverPid = startProcess('kube-apiserver', [
    `--etcd-servers=${etcdUrl}`,
    `--bind-address=${address}`,
    `--advertise-address=${address}`,
    `--secure-port=${apiserverPort}`,
    `--cert-dir=${join(dir, 'pki')}`,
    `--tls-cert-file=${pki.serving.cert}`,
    `--tls-private-key-file=${pki.serving.key}`,
    `--client-ca-file=${pki.ca}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.sa.publicKey}`,
    `--service-account-signing-key-file=${pki.sa.privateKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
    ...(node
      ? [
          '--authorization-mode=Node,RBAC',
          '--enable-admission-plugins=NodeRestriction',
          `--kubelet-client-certificate=${pki.admin.cert}`,
          `--kubelet-client-key=${pki.admin.key}`,
          '--kubelet-preferred-address-types=InternalIP',
        ]
      : ['--authorization-mode=RBAC', '--disable-admission-plugins=ServiceAccount']),
    ...extraArgs,
  ], apiserverLog);
  writeFileSync(stateFile(dir), JSON.stringify({ etcdPid, apiserverPid, server, etcdUrl } satisfies State));
  await waitFor('kube-apiserver', () => isReady(server, pki), 120_000, apiserverLog);
  writeKubeconfig(kubeconfig, server, pki);
  return { dir, kubeconfig, server, serverVersion: await serverVersion(server, pki) };
}

async function stopPid(pid: number): Promise<void> {
  if (!pid || !isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
}

/** Stops what `startControlPlane` started in `dir` (apiserver first); a no-op when nothing runs. */
export async function stopControlPlane(dir: string): Promise<void> {
  const state = readState(dir);
  if (!state) return;
  await stopPid(state.apiserverPid);
  await stopPid(state.etcdPid);
  rmSync(stateFile(dir), { force: true });
}

/**
 * Kills only the kube-apiserver and starts it again with the same flags (restart tests), plus
 * `addedFlags` when given. Returns the new process's PID.
 */
export async function restartApiServer(dir: string, downtimeMs = 0, addedFlags: string[] = []): Promise<number> {
  const state = readState(dir);
  if (!state) throw new Error(`no control plane in ${dir}`);
  const running = readFileSync(`/proc/${state.apiserverPid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(1);
  const args = [...running, ...addedFlags.filter((flag) => !running.includes(flag))];
  await stopPid(state.apiserverPid);
  if (downtimeMs > 0) await sleep(downtimeMs);
  const apiserverLog = join(dir, 'kube-apiserver.log');
  const apiserverPid = startProcess('kube-apiserver', args, apiserverLog);
  writeFileSync(stateFile(dir), JSON.stringify({ ...state, apiserverPid } satisfies State));
  await waitFor('kube-apiserver', () => isReady(state.server, ensurePki(dir)), 120_000, apiserverLog);
  return apiserverPid;
}

/** Compacts etcd's history up to its current revision, so older resourceVersions are gone. */
export async function compactEtcd(dir: string): Promise<number> {
  const state = readState(dir);
  if (!state) throw new Error(`no control plane in ${dir}`);
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${state.etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { header: { revision: string } };
  };
  const revision = Number((await post('/v3/kv/range', { key: Buffer.from('\0').toString('base64') })).header.revision);
  await post('/v3/kv/compaction', { revision: String(revision), physical: true });
  return revision;
}
