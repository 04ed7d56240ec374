// The local control plane plus one real node: containerd + runc, CNI (Debian's bridge and
// host-local plugins), kubelet, kube-controller-manager, kube-scheduler and kube-proxy, so the Helm
// chart's pods really run (`make cluster-up NODE=1`, the e2e tests in test/e2e).
//
// It needs root: containerd, the kubelet and kube-proxy change the host. Everything they change is
// recorded before they start and put back by `stop`:
//   - a bridge (approval-br0, 10.244.0.1/24) that is the node's address and the pods' gateway, and
//     a route that keeps the service range 10.0.0.0/24 on it (so no service address ever leaves
//     the machine);
//   - iptables chains and rules (kube-proxy, the kubelet, and a chain of ours that keeps pods from
//     reaching anything outside the machine): every rule and chain that was not there before is
//     deleted, nothing else is touched;
//   - nfacct counters kube-proxy creates for its metrics: deleted;
//   - sysctls the kubelet, kube-proxy and the CNI plugins set (kernel.panic*, vm.overcommit_memory,
//     net.ipv4.ip_forward, …): restored to their values from before;
//   - mounts (pod volumes, container root filesystems, network namespaces), cgroups (kubepods),
//     and the folders /var/lib/cni, /run/containerd, /var/log/containers, /var/log/pods when they
//     did not exist before.
// Only one node cluster runs per machine (the bridge and the addresses are fixed): the host record
// in /run/approval-operator/node names the state folder that owns them. Its processes are stopped
// by saved PID, after checking that the PID still runs a binary of this state folder.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, isAlive, localBin, repoRoot, startControlPlane, stopControlPlane } from './control-plane.ts';
import { ensureCa, ensureCertificate } from './pki.ts';

export const NODE_NAME = 'approval-node';
export const NODE_IP = '10.244.0.1';
export const POD_CIDR = '10.244.0.0/24';
export const SERVICE_CIDR = '10.0.0.0/24';
export const SERVICE_IP = '10.0.0.1';
const CLUSTER_DNS_IP = '10.0.0.10';
export const BRIDGE = 'approval-br0';
export const PAUSE_IMAGE = 'localhost/approval-operator/pause:3.10.1';
const EGRESS_CHAIN = 'APPROVAL-NODE-EGRESS';
const CNI_BIN = '/usr/lib/cni';
const HOST_DIR = '/run/approval-operator/node';
const HOST_RECORD = join(HOST_DIR, 'host.json');

/** Sysctls that the kubelet, kube-proxy and the CNI plugins are known to set. */
const SYSCTLS = [
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'net.ipv4.ip_forward',
  'net.ipv4.conf.all.forwarding',
  'net.ipv4.conf.default.forwarding',
  'net.ipv6.conf.all.forwarding',
  'net.ipv6.conf.default.forwarding',
  'net.ipv4.conf.all.route_localnet',
  'net.bridge.bridge-nf-call-iptables',
  'net.bridge.bridge-nf-call-ip6tables',
  'net.netfilter.nf_conntrack_max',
  'net.netfilter.nf_conntrack_tcp_timeout_established',
  'net.netfilter.nf_conntrack_tcp_timeout_close_wait',
  'net.netfilter.nf_conntrack_tcp_be_liberal',
];
/** Folders the node creates when they are missing; removed again if they were. */
const HOST_PATHS = ['/var/lib/cni', '/run/containerd', '/run/netns', '/var/log/containers', '/var/log/pods', '/etc/cni', '/var/lib/kubelet', '/usr/libexec/kubernetes'];

export interface NodeCluster {
  dir: string;
  kubeconfig: string;
  server: string;
  serverVersion: string;
  containerdSocket: string;
}

interface HostRecord {
  owner: string;
  sysctls: Record<string, string>;
  iptables: Record<'ip4' | 'ip6', string>;
  paths: Record<string, boolean>;
  netns: string[];
  /** nfacct counters (kube-proxy makes two for its metrics). */
  nfacct: string[];
}

interface NodeState {
  pids: Record<string, number>;
  containerdSocket: string;
}

const stateFile = (dir: string) => join(dir, 'node.json');
const log = (message: string) => process.stderr.write(`[node] ${message}\n`);

function run(command: string, args: string[], options: { input?: string; allowFail?: boolean; timeoutMs?: number } = {}): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { input: options.input, encoding: 'utf8', timeout: options.timeoutMs ?? 120_000 });
  const code = result.status ?? -1;
  if (code !== 0 && !options.allowFail) throw new Error(`${command} ${args.join(' ')} failed (${code}): ${result.stderr || result.error?.message}`);
  return { code, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

const which = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status === 0;

/** What this machine lacks for a node; empty when it can run one. */
export function missingForNode(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (containerd, the kubelet and kube-proxy change the host)');
  const controllers = ['cpu', 'memory', 'pids', 'cpuset'];
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers') ? readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').split(/\s+/) : [];
  const absent = controllers.filter((c) => !existsSync(`/sys/fs/cgroup/${c}/cgroup.procs`) && !v2.includes(c));
  if (absent.length) missing.push(`cgroup controllers ${absent.join(', ')}`);
  for (const tool of ['containerd', 'ctr', 'runc', 'iptables', 'ip6tables', 'iptables-save', 'iptables-restore', 'ip', 'conntrack', 'nfacct', 'sysctl']) if (!which(tool)) missing.push(tool);
  for (const plugin of ['bridge', 'host-local', 'loopback']) if (!existsSync(join(CNI_BIN, plugin))) missing.push(`CNI plugin ${join(CNI_BIN, plugin)} (containernetworking-plugins)`);
  if (!existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables')) missing.push('bridge netfilter (br_netfilter)');
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) missing.push('overlay filesystem');
  for (const binary of ['kubelet', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'crictl']) if (!existsSync(join(localBin, binary))) missing.push(`${binary} (bash hack/tools.sh node)`);
  return missing;
}

// ---------------------------------------------------------------------------------------------
// Host state: recorded before, restored after.

function readSysctls(keys: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of keys) {
    const path = `/proc/sys/${key.replace(/\./g, '/')}`;
    if (existsSync(path)) values[key] = readFileSync(path, 'utf8').trim();
  }
  return values;
}

function saveIptables(family: 'ip4' | 'ip6'): string {
  return run(family === 'ip4' ? 'iptables-save' : 'ip6tables-save', [], { allowFail: true }).stdout;
}

interface Ruleset {
  chains: Map<string, Set<string>>; // table → chains
  rules: Map<string, string[]>; // table → "-A …" lines
}

function parseRuleset(text: string): Ruleset {
  const chains = new Map<string, Set<string>>();
  const rules = new Map<string, string[]>();
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      chains.set(table, new Set());
      rules.set(table, []);
    } else if (line.startsWith(':')) chains.get(table)?.add(line.slice(1).split(' ')[0]!);
    else if (line.startsWith('-A ')) rules.get(table)?.push(line);
  }
  return { chains, rules };
}

const BUILT_IN_CHAINS = new Set(['INPUT', 'FORWARD', 'OUTPUT', 'PREROUTING', 'POSTROUTING']);

/**
 * Deletes every rule and chain that is not in `before` (an iptables-save of the host), nothing
 * else: rules others added meanwhile to the built-in chains or to chains of their own stay.
 */
function restoreIptables(family: 'ip4' | 'ip6', before: string): string[] {
  const old = parseRuleset(before);
  const now = parseRuleset(saveIptables(family));
  const script: string[] = [];
  const removed: string[] = [];
  for (const [table, chains] of now.chains) {
    const oldChains = old.chains.get(table) ?? new Set<string>();
    const newChains = [...chains].filter((c) => !oldChains.has(c) && !BUILT_IN_CHAINS.has(c));
    const oldRules = new Map<string, number>();
    for (const rule of old.rules.get(table) ?? []) oldRules.set(rule, (oldRules.get(rule) ?? 0) + 1);
    const lines: string[] = [];
    // Rules added to chains that are not ours to flush (jumps into the new chains among them).
    for (const rule of now.rules.get(table) ?? []) {
      if (newChains.includes(rule.split(' ')[1]!)) continue;
      const count = oldRules.get(rule) ?? 0;
      if (count > 0) oldRules.set(rule, count - 1);
      else lines.push(`-D ${rule.slice(3)}`);
    }
    const deletedRules = lines.length;
    for (const chain of newChains) lines.push(`-F ${chain}`);
    for (const chain of newChains) lines.push(`-X ${chain}`);
    if (lines.length) {
      script.push(`*${table}`, ...lines, 'COMMIT');
      removed.push(`${family} ${table}: ${newChains.length} chains, ${deletedRules} rules`);
    }
  }
  if (script.length) run(family === 'ip4' ? 'iptables-restore' : 'ip6tables-restore', ['--noflush'], { input: script.join('\n') + '\n' });
  return removed;
}

function listNfacct(): string[] {
  if (!which('nfacct')) return [];
  return run('nfacct', ['list'], { allowFail: true }).stdout.split('\n').map((line) => /= (\S+);$/.exec(line.trim())?.[1]).filter((name): name is string => !!name);
}

function listNetns(): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns') : [];
}

function recordHost(owner: string): HostRecord {
  const record: HostRecord = {
    owner,
    sysctls: readSysctls(SYSCTLS),
    iptables: { ip4: saveIptables('ip4'), ip6: saveIptables('ip6') },
    paths: Object.fromEntries(HOST_PATHS.map((path) => [path, existsSync(path)])),
    netns: listNetns(),
    nfacct: listNfacct(),
  };
  mkdirSync(HOST_DIR, { recursive: true });
  writeFileSync(HOST_RECORD, JSON.stringify(record, null, 2));
  return record;
}

function readHostRecord(): HostRecord | undefined {
  return existsSync(HOST_RECORD) ? (JSON.parse(readFileSync(HOST_RECORD, 'utf8')) as HostRecord) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Processes.

function startProcess(command: string, args: string[], logFile: string): number {
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return child.pid;
}

/** True when `pid` runs one of our binaries with an argument inside `dir` (not a reused PID). */
function isOurs(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return false;
  }
}

async function stopPid(pid: number | undefined, dir: string, graceMs = 10_000): Promise<void> {
  if (!pid || !isAlive(pid) || !isOurs(pid, dir)) return;
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < graceMs && isAlive(pid); waited += 100) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
}

/** PIDs of processes whose command line contains `needle` (our containerd's shims). */
function pidsWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    await sleep(500);
  }
  const tail = logFile && existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : '';
  throw new Error(`${what} not ready after ${timeoutMs / 1000} s${tail ? `; last lines of ${logFile}:\n${tail}` : ''}`);
}

// ---------------------------------------------------------------------------------------------
// Configuration files.

function kubeconfigFile(path: string, server: string, ca: string, cert: { cert: string; key: string }): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority': ca } }],
    users: [{ name: 'user', user: { 'client-certificate': cert.cert, 'client-key': cert.key } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: 'user' } }],
    'current-context': 'local',
  };
  writeFileSync(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  return path;
}

function containerdConfig(dir: string, socket: string): string {
  const path = join(dir, 'containerd.toml');
  writeFileSync(
    path,
    `# containerd of the local node (hack/node-cluster.ts); nothing outside ${dir} but /run/containerd/s (shim sockets).
version = 2
root = "${join(dir, 'containerd', 'root')}"
state = "${join(dir, 'containerd', 'state')}"
disabled_plugins = ["io.containerd.internal.v1.tracing", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "${socket}"

[plugins."io.containerd.internal.v1.opt"]
  path = "${join(dir, 'containerd', 'opt')}"

[plugins."io.containerd.grpc.v1.cri"]
  # No image registry is reachable: the sandbox image is built locally (hack/image.sh pause).
  sandbox_image = "${PAUSE_IMAGE}"
  # The VM gives no CAP_SYS_RESOURCE: never lower a container's oom_score_adj below containerd's.
  restrict_oom_score_adj = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN}"
    conf_dir = "${join(dir, 'cni', 'net.d')}"
`,
  );
  return path;
}

function cniConfig(dir: string): void {
  const confDir = join(dir, 'cni', 'net.d');
  mkdirSync(confDir, { recursive: true });
  const conflist = {
    cniVersion: '1.0.0',
    name: 'approval-node',
    plugins: [
      {
        type: 'bridge',
        bridge: BRIDGE,
        isGateway: true,
        // No masquerading: pods talk to this machine (API server, services), never beyond it.
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: POD_CIDR, gateway: NODE_IP }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(dir, 'cni', 'ipam') },
      },
    ],
  };
  writeFileSync(join(confDir, '10-approval-node.conflist'), JSON.stringify(conflist, null, 2) + '\n');
}

function kubeletConfig(dir: string, socket: string, ca: string, serving: { cert: string; key: string }, port: number): string {
  const path = join(dir, 'kubelet.yaml');
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: NODE_IP,
    port,
    readOnlyPort: 0,
    healthzPort: 0,
    tlsCertFile: serving.cert,
    tlsPrivateKeyFile: serving.key,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: ca } },
    authorization: { mode: 'Webhook' },
    containerRuntimeEndpoint: `unix://${socket}`,
    // This VM: cgroup v1 (hybrid), no systemd, no swap accounting.
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    failSwapOn: false,
    // No DNS server and no host resolver inside pods (the operator talks to the API server by IP):
    // the cluster DNS address is a service address that nothing serves.
    clusterDomain: 'cluster.local',
    clusterDNS: [CLUSTER_DNS_IP],
    resolvConf: '',
    podLogsDir: join(dir, 'pod-logs'),
    volumePluginDir: join(dir, 'kubelet-plugins'),
    // The imported images must never be garbage-collected (there is no registry to pull them from).
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '2%', 'imagefs.available': '2%' },
    maxPods: 30,
    rotateCertificates: false,
    serializeImagePulls: false,
    shutdownGracePeriod: '0s',
    protectKernelDefaults: false,
    // Faster feedback on a one-node test cluster.
    nodeStatusUpdateFrequency: '5s',
    syncFrequency: '10s',
  };
  writeFileSync(path, JSON.stringify(config, null, 2) + '\n');
  return path;
}

function kubeProxyConfig(dir: string, kubeconfig: string, healthzPort: number, metricsPort: number): string {
  const path = join(dir, 'kube-proxy.yaml');
  const config = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig },
    mode: 'iptables',
    hostnameOverride: NODE_NAME,
    bindAddress: NODE_IP,
    clusterCIDR: POD_CIDR,
    healthzBindAddress: `127.0.0.1:${healthzPort}`,
    metricsBindAddress: `127.0.0.1:${metricsPort}`,
    nodePortAddresses: [`${NODE_IP}/32`],
    // Leave the host's conntrack sysctls alone.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    iptables: { localhostNodePorts: false, masqueradeAll: false },
  };
  writeFileSync(path, JSON.stringify(config, null, 2) + '\n');
  return path;
}

// ---------------------------------------------------------------------------------------------
// Start and stop.

function kubectlJson<T>(kubeconfig: string, args: string[]): T | undefined {
  const result = run(join(localBin, 'kubectl'), [`--kubeconfig=${kubeconfig}`, ...args, '-o', 'json'], { allowFail: true, timeoutMs: 20_000 });
  return result.code === 0 ? (JSON.parse(result.stdout) as T) : undefined;
}

function nodeReady(kubeconfig: string): boolean {
  const node = kubectlJson<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(kubeconfig, ['get', 'node', NODE_NAME]);
  return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function readState(dir: string): NodeState | undefined {
  return existsSync(stateFile(dir)) ? (JSON.parse(readFileSync(stateFile(dir), 'utf8')) as NodeState) : undefined;
}

/** Imports a docker-archive / OCI archive into the node's containerd (namespace k8s.io). */
export function importImage(dir: string, archive: string): void {
  const state = readState(dir);
  if (!state) throw new Error(`no node cluster in ${dir}`);
  run('ctr', ['--address', state.containerdSocket, '-n', 'k8s.io', 'images', 'import', archive], { timeoutMs: 300_000 });
}

/** Starts the node cluster with state in `dir` (or reuses the one running there). */
export async function startNodeCluster(dir: string, kubeconfig = join(dir, 'kubeconfig')): Promise<NodeCluster> {
  const missing = missingForNode();
  if (missing.length) throw new Error(`this machine cannot run a node: missing ${missing.join('; ')}`);
  mkdirSync(dir, { recursive: true });
  const planeDir = join(dir, 'control-plane');
  const socket = join(dir, 'containerd.sock');
  if (socket.length > 100) throw new Error(`${socket} is too long for a unix socket; use a shorter state folder`);

  const host = readHostRecord();
  if (host && host.owner !== dir) {
    const other = readState(host.owner);
    if (other && Object.values(other.pids).some((pid) => isAlive(pid) && isOurs(pid, host.owner))) {
      throw new Error(`a node cluster of ${host.owner} runs on this machine; stop it first (make cluster-down NODE=1 there)`);
    }
    log(`cleaning up the node cluster that ${host.owner} left behind`);
    await stopNodeCluster(host.owner);
  }

  const previous = readState(dir);
  if (previous && Object.values(previous.pids).every((pid) => isAlive(pid) && isOurs(pid, dir)) && nodeReady(kubeconfig)) {
    const plane = await startControlPlane(planeDir, kubeconfig, { node: { address: NODE_IP, serviceIp: SERVICE_IP } });
    return { dir, kubeconfig, server: plane.server, serverVersion: plane.serverVersion, containerdSocket: previous.containerdSocket };
  }
  await stopNodeCluster(dir);

  const pauseArchive = join(repoRoot, '.local', 'images', 'pause-3.10.1.tar');
  if (!existsSync(pauseArchive)) execFileSync('bash', [join(repoRoot, 'hack', 'image.sh'), 'pause'], { stdio: ['ignore', 'inherit', 'inherit'] });

  recordHost(dir);
  const pids: Record<string, number> = {};
  const save = () => writeFileSync(stateFile(dir), JSON.stringify({ pids, containerdSocket: socket } satisfies NodeState, null, 2));
  save();

  // The node's address, the pods' gateway; the service range routed onto it.
  run('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  run('ip', ['addr', 'add', `${NODE_IP}/24`, 'dev', BRIDGE]);
  run('ip', ['link', 'set', BRIDGE, 'up']);
  run('ip', ['route', 'add', SERVICE_CIDR, 'dev', BRIDGE, 'src', NODE_IP]);
  // Pods reach this machine and each other, nothing else.
  run('iptables', ['-N', EGRESS_CHAIN]);
  run('iptables', ['-A', EGRESS_CHAIN, '-d', POD_CIDR, '-j', 'RETURN']);
  run('iptables', ['-A', EGRESS_CHAIN, '-j', 'REJECT']);
  run('iptables', ['-I', 'FORWARD', '1', '-s', POD_CIDR, '-m', 'comment', '--comment', 'approval-operator node: pods stay on this machine', '-j', EGRESS_CHAIN]);

  const plane = await startControlPlane(planeDir, kubeconfig, { node: { address: NODE_IP, serviceIp: SERVICE_IP } });
  const pkiDir = join(planeDir, 'pki');
  const ca = ensureCa(pkiDir, 'approval-operator-local-ca');
  const admin = { cert: join(pkiDir, 'admin.crt'), key: join(pkiDir, 'admin.key') };
  const kubeletClient = ensureCertificate(pkiDir, ca, { name: 'kubelet-client', commonName: `system:node:${NODE_NAME}`, organization: 'system:nodes', usage: 'client' });
  const kubeletServing = ensureCertificate(pkiDir, ca, { name: 'kubelet-serving', commonName: NODE_NAME, altNames: [`IP:${NODE_IP}`, `DNS:${NODE_NAME}`], usage: 'server' });
  const proxyClient = ensureCertificate(pkiDir, ca, { name: 'kube-proxy-client', commonName: 'system:kube-proxy', usage: 'client' });
  const adminKubeconfig = kubeconfigFile(join(dir, 'admin.kubeconfig'), plane.server, ca.cert, admin);

  // containerd, with the pause image imported before the kubelet asks for a sandbox.
  cniConfig(dir);
  const containerdLog = join(dir, 'containerd.log');
  pids.containerd = startProcess('containerd', ['--config', containerdConfig(dir, socket)], containerdLog);
  save();
  await waitFor('containerd', () => run('ctr', ['--address', socket, 'version'], { allowFail: true, timeoutMs: 5000 }).code === 0, 60_000, containerdLog);
  run('ctr', ['--address', socket, '-n', 'k8s.io', 'images', 'import', pauseArchive]);

  const kubeletLog = join(dir, 'kubelet.log');
  const kubeletPort = await freePort('127.0.0.1');
  pids.kubelet = startProcess(join(localBin, 'kubelet'), [
    `--config=${kubeletConfig(dir, socket, ca.cert, kubeletServing, kubeletPort)}`,
    `--kubeconfig=${kubeconfigFile(join(dir, 'kubelet.kubeconfig'), plane.server, ca.cert, kubeletClient)}`,
    `--root-dir=${join(dir, 'kubelet')}`,
    `--cert-dir=${join(dir, 'kubelet', 'pki')}`,
    `--hostname-override=${NODE_NAME}`,
    `--node-ip=${NODE_IP}`,
    '--v=1',
  ], kubeletLog);
  save();

  const managerLog = join(dir, 'kube-controller-manager.log');
  pids.controllerManager = startProcess(join(localBin, 'kube-controller-manager'), [
    `--kubeconfig=${adminKubeconfig}`,
    '--leader-elect=false',
    '--secure-port=0',
    `--service-account-private-key-file=${join(pkiDir, 'sa.key')}`,
    `--root-ca-file=${ca.cert}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    `--cluster-signing-cert-file=${ca.cert}`,
    `--cluster-signing-key-file=${ca.key}`,
    '--v=1',
    `--cert-dir=${join(dir, 'kube-controller-manager')}`,
  ], managerLog);
  save();

  const schedulerLog = join(dir, 'kube-scheduler.log');
  pids.scheduler = startProcess(join(localBin, 'kube-scheduler'), [
    `--kubeconfig=${adminKubeconfig}`,
    `--authentication-kubeconfig=${adminKubeconfig}`,
    `--authorization-kubeconfig=${adminKubeconfig}`,
    '--leader-elect=false',
    '--secure-port=0',
    `--cert-dir=${join(dir, 'kube-scheduler')}`,
    '--v=1',
  ], schedulerLog);
  save();

  const proxyLog = join(dir, 'kube-proxy.log');
  const proxyKubeconfig = kubeconfigFile(join(dir, 'kube-proxy.kubeconfig'), plane.server, ca.cert, proxyClient);
  pids.proxy = startProcess(join(localBin, 'kube-proxy'), [`--config=${kubeProxyConfig(dir, proxyKubeconfig, await freePort(), await freePort())}`, '--v=1'], proxyLog);
  save();

  for (const [name, pid] of Object.entries(pids)) if (!isAlive(pid)) throw new Error(`${name} exited at start; see ${dir}/*.log`);
  await waitFor(`node ${NODE_NAME} Ready`, () => nodeReady(adminKubeconfig), 180_000, kubeletLog);
  // Pods need the default ServiceAccount and the kube-root-ca.crt ConfigMap of their namespace.
  await waitFor('ServiceAccount default/default', () => kubectlJson(adminKubeconfig, ['get', 'serviceaccount', 'default', '-n', 'default']) !== undefined, 60_000, managerLog);
  for (const [name, pid] of Object.entries(pids)) if (!isAlive(pid)) throw new Error(`${name} exited; see ${dir}/${name}.log`);
  return { dir, kubeconfig, server: plane.server, serverVersion: plane.serverVersion, containerdSocket: socket };
}

function mountsUnder(prefixes: string[]): string[] {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => !!point)
    .map((point) => point.replace(/\\040/g, ' '));
  return [...new Set(mounts.filter((point) => prefixes.some((prefix) => point === prefix || point.startsWith(prefix + '/'))))].sort((a, b) => b.length - a.length);
}

function removeCgroups(name: string): void {
  const root = '/sys/fs/cgroup';
  const hierarchies = readdirSync(root).map((entry) => join(root, entry)).filter((path) => existsSync(join(path, 'cgroup.procs')));
  if (existsSync(join(root, 'cgroup.procs'))) hierarchies.push(root);
  for (const hierarchy of hierarchies) {
    const top = join(hierarchy, name);
    if (!existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (path: string) => {
      for (const entry of readdirSync(path, { withFileTypes: true })) if (entry.isDirectory()) walk(join(path, entry.name));
      dirs.push(path);
    };
    walk(top);
    for (const path of dirs) spawnSync('rmdir', [path]);
  }
}

/** Stops the node cluster of `dir` and puts the host back as it was; a no-op when nothing runs. */
export async function stopNodeCluster(dir: string): Promise<void> {
  const state = readState(dir);
  const host = readHostRecord();
  const ownsHost = host?.owner === dir;
  if (!state && !ownsHost) {
    await stopControlPlane(join(dir, 'control-plane'));
    return;
  }
  const pids = state?.pids ?? {};
  const socket = state?.containerdSocket ?? join(dir, 'containerd.sock');
  // The kubelet first, so that it does not restart what is being removed.
  for (const name of ['kubelet', 'proxy', 'scheduler', 'controllerManager']) await stopPid(pids[name], dir);

  // Pod sandboxes through the CRI, so that the CNI plugins release addresses and interfaces.
  const configFile = join(dir, 'containerd.toml');
  const shims = () => pidsWith(socket);
  if (existsSync(configFile) && (shims().length > 0 || (pids.containerd && isAlive(pids.containerd)))) {
    if (!pids.containerd || !isAlive(pids.containerd) || !isOurs(pids.containerd, dir)) {
      pids.containerd = startProcess('containerd', ['--config', configFile], join(dir, 'containerd.log'));
      await waitFor('containerd', () => run('ctr', ['--address', socket, 'version'], { allowFail: true, timeoutMs: 5000 }).code === 0, 30_000).catch(() => undefined);
    }
    const crictl = [`--runtime-endpoint=unix://${socket}`, `--image-endpoint=unix://${socket}`, '--timeout=60s'];
    run(join(localBin, 'crictl'), [...crictl, 'rmp', '--all', '--force'], { allowFail: true, timeoutMs: 180_000 });
  }
  await stopPid(pids.containerd, dir);
  for (const pid of shims()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  // Whatever still runs in the containers' cgroups (the shims are gone, so these are orphans).
  for (const mount of mountsUnder([dir, '/run/netns'].filter(existsSync))) {
    if (mount.startsWith('/run/netns/') && host?.netns.includes(mount.slice('/run/netns/'.length))) continue;
    spawnSync('umount', ['-l', mount]);
  }
  for (const ns of listNetns()) if (ns.startsWith('cni-') && !host?.netns.includes(ns)) rmSync(join('/run/netns', ns), { force: true });
  removeCgroups('kubepods');

  if (ownsHost && host) {
    spawnSync('ip', ['link', 'delete', BRIDGE]);
    // veths left by sandboxes the CRI could not remove
    for (const link of run('ip', ['-o', 'link', 'show'], { allowFail: true }).stdout.split('\n')) {
      const match = /^\d+: (veth[^@:]+)@[^:]*:.*master (\S+)/.exec(link);
      if (match && match[2] === BRIDGE) spawnSync('ip', ['link', 'delete', match[1]!]);
    }
    const removed = [...restoreIptables('ip4', host.iptables.ip4), ...restoreIptables('ip6', host.iptables.ip6)];
    const counters = listNfacct().filter((name) => !(host.nfacct ?? []).includes(name));
    for (const name of counters) run('nfacct', ['del', name], { allowFail: true });
    if (counters.length) removed.push(`nfacct counters ${counters.join(', ')}`);
    const now = readSysctls(Object.keys(host.sysctls));
    const restored: string[] = [];
    for (const [key, value] of Object.entries(host.sysctls)) {
      if (now[key] !== undefined && now[key] !== value) {
        writeFileSync(`/proc/sys/${key.replace(/\./g, '/')}`, value);
        restored.push(`${key}=${value}`);
      }
    }
    for (const [path, existed] of Object.entries(host.paths)) {
      if (existed || !existsSync(path)) continue;
      if (path === '/run/netns' && listNetns().length > 0) continue;
      rmSync(path, { recursive: true, force: true });
    }
    log(`host restored: ${[...removed, restored.length ? `sysctls ${restored.join(' ')}` : 'no sysctl changed'].join('; ')}`);
    rmSync(HOST_RECORD, { force: true });
    for (const path of [HOST_DIR, dirname(HOST_DIR)]) if (existsSync(path) && readdirSync(path).length === 0) rmSync(path, { recursive: true });
  }
  await stopControlPlane(join(dir, 'control-plane'));
  // A new start gets a new etcd: the old one would keep the `kubernetes` endpoints of the old port.
  rmSync(join(dir, 'control-plane'), { recursive: true, force: true });
  rmSync(stateFile(dir), { force: true });
  // Container layers and pod folders: large, and useless without the processes.
  for (const sub of ['containerd', 'kubelet', 'kubelet-plugins', 'pod-logs', 'cni']) {
    const path = join(dir, sub);
    if (existsSync(path) && mountsUnder([path]).length === 0) rmSync(path, { recursive: true, force: true });
  }
}

/** Logs of the node's processes, for test failures. */
export function nodeLogs(dir: string, lines = 40): string {
  return ['kubelet', 'containerd', 'kube-proxy', 'kube-controller-manager', 'kube-scheduler']
    .map((name) => join(dir, `${name}.log`))
    .filter((path) => existsSync(path))
    .map((path) => `--- ${path}\n${readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n')}`)
    .join('\n');
}

// `node hack/node-cluster.ts up|down|check [dir]`
if (import.meta.url === `file://${process.argv[1]}`) {
  const command = process.argv[2];
  const dir = resolve(process.argv[3] ?? join(repoRoot, '.local', 'node-cluster'));
  const kubeconfig = join(dirname(dir), dir.endsWith('node-cluster') ? 'node-kubeconfig' : 'kubeconfig');
  switch (command) {
    case 'up': {
      const cluster = await startNodeCluster(dir, kubeconfig);
      console.log(`control plane ${cluster.serverVersion} ready at ${cluster.server}, node ${NODE_NAME} Ready`);
      // The images `make image` built: there is no registry to pull them from.
      const images = join(repoRoot, '.local', 'images');
      for (const file of existsSync(images) ? readdirSync(images).filter((f) => /^approval-operator-.*\.tar$/.test(f)).sort() : []) {
        importImage(dir, join(images, file));
        console.log(`imported .local/images/${file}`);
      }
      console.log(`export KUBECONFIG=${kubeconfig}`);
      break;
    }
    case 'down':
      await stopNodeCluster(dir);
      console.log('node cluster stopped, host restored');
      break;
    case 'check': {
      const missing = missingForNode();
      if (missing.length) {
        console.log(`missing: ${missing.join('; ')}`);
        process.exit(1);
      }
      console.log('this machine can run a node');
      break;
    }
    default:
      console.error('usage: node hack/node-cluster.ts up|down|check [state-dir]');
      process.exit(2);
  }
}
