// The Helm chart on a real node (hack/node-cluster.ts): `helm install` with the image built here
// (hack/image.sh), both pods running as the chart defines them, webhooks and metrics through
// their Services, the acceptance scenarios against the in-cluster operator, leader failover and a
// rolling upgrade while people vote, and `helm uninstall`. The steps run in order on one release.
// The figures (takeover time, longest refusal window) are printed as `# e2e figure:` lines and
// written to .local/e2e-node/figures.json; docs/helm.md quotes them.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Approval, ApprovalRequest } from '../../src/api/types.ts';
import { approvalHelpers } from '../support/approvals.ts';
import { adminClient, eventually, kubeconfigPath } from '../support/cluster.ts';
import { kubectl, kubectlOk, samplePath, type KubectlResult } from '../support/kubectl.ts';
import { alice, applyAs, bob, carol, requestManifest, voteAs, type Person } from '../support/people.ts';
import { chartDir, helm } from '../unit/chart/helm.ts';
import { NODE_NAME } from '../../hack/node-cluster.ts';

const RELEASE = 'approval-operator';
const NS = 'approval-system';
const REQUESTS_NS = 'e2e';
const TAG = process.env.APPROVAL_E2E_TAG ?? '0.1.0';
const UPGRADE_TAG = process.env.APPROVAL_E2E_UPGRADE_TAG ?? `${TAG}-upgrade`;
const SELECTOR = `app.kubernetes.io/instance=${RELEASE}`;
/** Lease timing of src/runtime/leader-election.ts: a crashed leader's lease runs out after 15 s, candidates retry every 2 s. */
const LEASE_DURATION_MS = 15_000;
const RETRY_PERIOD_MS = 2_000;
/** The longest a vote may be refused during a rolling upgrade (docs/helm.md, "Upgrading"). */
const UPGRADE_REFUSAL_BOUND_MS = Number(process.env.APPROVAL_E2E_REFUSAL_BOUND_MS ?? 3_000);
const mallory: Person = { as: 'mallory', asGroups: [] };

const figures: Record<string, unknown> = {};
function figure(name: string, value: unknown): void {
  figures[name] = value;
  console.log(`# e2e figure: ${name} = ${JSON.stringify(value)}`);
  writeFileSync(join(process.env.APPROVAL_E2E_DIR ?? '.', 'figures.json'), JSON.stringify(figures, null, 2) + '\n');
}

function helmOk(args: string[]): string {
  const result = helm([...args, '--kubeconfig', kubeconfigPath()]);
  if (result.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
  return result.stdout;
}

async function getJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectlOk(['get', ...args, '-o', 'json'])) as T;
}

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string; containers: Array<{ image: string }>; volumes?: Array<{ name: string; projected?: unknown; secret?: unknown }> };
  status: { podIP?: string; phase: string; conditions?: Array<{ type: string; status: string }> };
}

const isReady = (pod: Pod) => !pod.metadata.deletionTimestamp && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

async function operatorPods(): Promise<Pod[]> {
  return (await getJson<{ items: Pod[] }>(['pods', '-n', NS, '-l', SELECTOR])).items;
}

async function leaseHolder(): Promise<string> {
  const lease = await getJson<{ spec: { holderIdentity?: string } }>(['lease', 'approval-operator', '-n', NS]).catch(() => undefined);
  return lease?.spec.holderIdentity ?? '';
}

/** The pod whose identity holds the lease (identities are `<pod name>-<pid>`). */
const holderPod = (holder: string, pods: Pod[]) => pods.find((pod) => holder.startsWith(`${pod.metadata.name}-`))?.metadata.name;

async function serviceIp(name: string): Promise<string> {
  return (await getJson<{ spec: { clusterIP: string } }>(['service', name, '-n', NS])).spec.clusterIP;
}

/**
 * Scrapes /metrics through the metrics Service, on a new connection each time (kube-proxy picks a
 * pod per connection; fetch would keep one alive and always ask the same pod).
 */
function scrape(ip: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: ip, port: 8080, path: '/metrics', agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`GET http://${ip}:8080/metrics: ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${ip}:8080/metrics: timeout`)));
    req.on('error', reject);
  });
}

interface Refusal {
  op: string;
  windowMs: number;
  attempts: number;
  message: string;
  at: string;
}

/**
 * A person's client that retries a refused write until it goes through, as a careful client
 * would, and records for how long each write was refused (from its first refused attempt until
 * it went through).
 */
class PatientClient {
  readonly refusals: Refusal[] = [];
  writes = 0;

  async write(op: string, attempt: () => Promise<KubectlResult>, alreadyDone: () => Promise<boolean> = async () => false): Promise<void> {
    let first: number | undefined;
    let attempts = 0;
    let message = '';
    const deadline = Date.now() + 120_000;
    for (;;) {
      const startedAt = Date.now();
      // A refused attempt may still have been written (an answer lost on the way back): ask first.
      if (first !== undefined && (await alreadyDone())) break;
      const result = await attempt();
      attempts++;
      if (result.code === 0) break;
      first ??= startedAt;
      message = result.stderr.trim();
      if (Date.now() > deadline) throw new Error(`${op} refused for 120 s; last answer: ${message}`);
      await sleep(100);
    }
    this.writes++;
    if (first !== undefined) this.refusals.push({ op, windowMs: Date.now() - first, attempts, message, at: new Date(first).toISOString() });
  }

  /** carol files a FourEyes request; alice and bob approve it. */
  async fourEyes(name: string): Promise<void> {
    const read = () => kubectlOk(['-n', REQUESTS_NS, 'get', 'ar', name, '-o', 'json']).then((text) => JSON.parse(text) as ApprovalRequest);
    const voted = (who: string) => async () => (await read().catch(() => undefined))?.spec.decisions?.some((d) => d.name === who) ?? false;
    await this.write(`create ${name}`, () => applyAs(REQUESTS_NS, requestManifest(name, { strategy: 'FourEyes' }), carol), async () => (await read().catch(() => undefined)) !== undefined);
    await this.write(`alice votes on ${name}`, () => voteAs(REQUESTS_NS, `ar/${name}`, { resultingState: 'Granted', comment: 'e2e' }, alice), voted('alice'));
    await this.write(`bob votes on ${name}`, () => voteAs(REQUESTS_NS, `ar/${name}`, { resultingState: 'Granted', comment: 'e2e' }, bob), voted('bob'));
  }

  longest(): Refusal | undefined {
    return [...this.refusals].sort((a, b) => b.windowMs - a.windowMs)[0];
  }
}

interface Notification {
  metadata: { name: string; ownerReferences?: Array<{ uid: string; kind: string }> };
  spec: { purpose: string; properties?: { state_old?: string; state_new?: string } };
}

/**
 * The state changes notified for the objects `uids` (a request and its Approval), as
 * "<kind> <recipient> <old>→<new>" → how many Notifications tell it. A change notified twice to the
 * same recipient is a duplicate, whatever the Notifications' names.
 */
async function notifiedChanges(uids: string[]): Promise<Map<string, number>> {
  const all = (await getJson<{ items: Notification[] }>(['notifications', '-n', REQUESTS_NS])).items;
  const changes = new Map<string, number>();
  for (const n of all) {
    const owner = n.metadata.ownerReferences?.find((ref) => uids.includes(ref.uid));
    if (!owner) continue;
    const recipient = n.spec.purpose.split('--').at(-1);
    const key = `${owner.kind} ${recipient} ${n.spec.properties?.state_new ?? '?'}`;
    changes.set(key, (changes.get(key) ?? 0) + 1);
  }
  return changes;
}

describe(`the chart on a real node (${NODE_NAME})`, { concurrency: false }, () => {
  const client = adminClient();
  const { getRequest, getApproval, waitForState } = approvalHelpers(client, () => REQUESTS_NS);
  const approvalOf = (name: string) => `apisubscription--target-${name}`;

  /** The request Granted and settled by the operator, its Approval issued with both votes. */
  async function assertGrantedWithVotes(name: string, voters: string[]): Promise<{ request: ApprovalRequest; approval: Approval }> {
    const request = await waitForState(name, 'Granted', 60_000);
    assert.deepEqual(request.spec.decisions?.map((d) => d.name), voters, `${name}: every accepted vote is recorded, once`);
    const approval = await eventually(`Approval of ${name}`, () => getApproval(approvalOf(name)), 60_000);
    assert.equal(approval.spec.state, 'Granted', `${name}: its Approval is Granted`);
    return { request, approval };
  }

  before(async () => {
    await kubectl(['create', 'namespace', REQUESTS_NS]);
  });

  after(async () => {
    // Whatever a failed step left: nothing may fail closed for the next user of this cluster.
    helm(['uninstall', RELEASE, '--namespace', NS, '--ignore-not-found', '--kubeconfig', kubeconfigPath()]);
    await kubectl(['delete', '--ignore-not-found', 'mutatingwebhookconfiguration,validatingwebhookconfiguration', '-l', SELECTOR]);
    await client.close();
  });

  it('helm install: both pods Ready, one leader, webhooks through the Service, metrics through the Service', async () => {
    const started = Date.now();
    helmOk(['install', RELEASE, chartDir, '--namespace', NS, '--create-namespace', '--set', `image.tag=${TAG}`, '--wait', '--timeout', '5m']);
    figure('install_to_ready_s', Math.round((Date.now() - started) / 100) / 10);
    // The chart's user roles, bound to the people of the tests (config/samples/demo-rbac.yaml).
    await kubectlOk(['apply', '-f', samplePath('demo-rbac.yaml')]);
    await kubectlOk(['-n', REQUESTS_NS, 'create', 'rolebinding', 'e2e-mallory-decider', '--clusterrole=approval-decider', '--user=mallory']);

    const pods = await eventually('2 Ready operator pods', async () => {
      const all = await operatorPods();
      return all.length === 2 && all.every(isReady) ? all : undefined;
    }, 120_000);
    for (const pod of pods) {
      assert.equal(pod.spec.nodeName, NODE_NAME);
      assert.equal(pod.spec.containers[0]?.image, `approval-operator:${TAG}`);
    }
    const holder = await eventually('a leader', async () => holderPod(await leaseHolder(), pods), 60_000);
    assert.ok(pods.some((pod) => pod.metadata.name === holder));

    // Through the metrics Service: both replicas answer in turn, exactly one of them leads.
    const metricsIp = await serviceIp(`${RELEASE}-metrics`);
    const seen = new Set<string>();
    await eventually('both replicas scraped through the Service', async () => {
      const text = await scrape(metricsIp);
      const leader = /^approval_operator_leader (\d)/m.exec(text)?.[1];
      assert.ok(leader !== undefined && /^# TYPE approval_operator_reconcile_total /m.test(text), 'the operator metrics are served');
      seen.add(leader);
      return seen.size === 2;
    }, 30_000, 100);
    assert.deepEqual([...seen].sort(), ['0', '1'], 'one replica leads, the other stands by');

    // Through the webhook Service: the configurations point at it, and its answers decide.
    for (const kind of ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration']) {
      const config = await getJson<{ webhooks: Array<{ clientConfig: { service?: { name: string; namespace: string } } }> }>([kind, RELEASE]);
      for (const webhook of config.webhooks) assert.deepEqual(webhook.clientConfig.service && { name: webhook.clientConfig.service.name, namespace: webhook.clientConfig.service.namespace }, { name: `${RELEASE}-webhook`, namespace: NS });
    }
    const endpoints = await getJson<{ items: Array<{ endpoints: Array<{ addresses: string[] }> }> }>(['endpointslices', '-n', NS, '-l', `kubernetes.io/service-name=${RELEASE}-webhook`]);
    assert.deepEqual(endpoints.items.flatMap((slice) => slice.endpoints.flatMap((e) => e.addresses)).sort(), pods.map((pod) => pod.status.podIP).sort());
    const refused = await applyAs(REQUESTS_NS, requestManifest('forged-auto', { strategy: 'Auto' }), carol);
    assert.notEqual(refused.code, 0, 'an Auto request filed by carol is refused by the webhook');
    assert.match(refused.stderr, /admission webhook "decisions\.approval\.cp\.ei\.telekom\.de" denied the request: user "carol" may not create approvalrequest e2e\/forged-auto: .*\(rule: autoapprove\)/);
  });

  it('inside the pod: non-root, read-only root filesystem, no capabilities, and the token grants only the chart\'s RBAC', async () => {
    const [pod] = await operatorPods();
    assert.ok(pod);
    // Only the projected, pod-bound token volume; no Secret-based token.
    const volumes = pod.spec.volumes ?? [];
    assert.deepEqual(volumes.filter((v) => v.name.startsWith('kube-api-access-')).length, 1);
    assert.ok(volumes.every((v) => !v.secret || v.name === 'webhook-cert'), 'no Secret volume but the webhook certificate');
    const tokens = await kubectlOk(['get', 'secrets', '-n', NS, '--field-selector', 'type=kubernetes.io/service-account-token', '-o', 'name']);
    assert.equal(tokens.trim(), '', 'no long-lived ServiceAccount token Secret');

    const probe = `
      const fs = require('node:fs'), https = require('node:https');
      const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
      const token = fs.readFileSync(dir + '/token', 'utf8'), ca = fs.readFileSync(dir + '/ca.crt');
      const call = (method, path, body) => new Promise((resolve, reject) => {
        const req = https.request({ host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT, path, method, ca,
          headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' } }, (res) => {
          let text = ''; res.on('data', (c) => (text += c)); res.on('end', () => resolve({ status: res.statusCode, text }));
        });
        req.on('error', reject); req.end(body ? JSON.stringify(body) : undefined);
      });
      const writable = (path) => { try { fs.writeFileSync(path, 'x'); fs.unlinkSync(path); return true; } catch { return false; } };
      const status = Object.fromEntries(fs.readFileSync('/proc/self/status', 'utf8').split('\\n').map((l) => l.split(':\\t')).filter((p) => p.length === 2));
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
      (async () => {
        const review = await call('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
        const get = async (path) => (await call('GET', path)).status;
        console.log(JSON.stringify({
          uid: process.getuid(), gid: process.getgid(), rootWritable: writable('/probe'), appWritable: writable('/app/probe'), tmpWritable: writable('/tmp/probe'),
          capEff: status.CapEff, capBnd: status.CapBnd, noNewPrivs: status.NoNewPrivs, seccomp: status.Seccomp,
          user: JSON.parse(review.text).status.userInfo.username, boundToPod: !!(claims['kubernetes.io'] && claims['kubernetes.io'].pod), lifetime: claims.exp - claims.iat,
          status: {
            requests: await get('/apis/approval.cp.ei.telekom.de/v1/approvalrequests?limit=1'),
            lease: await get('/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/approval-operator'),
            secretsEverywhere: await get('/api/v1/secrets?limit=1'),
            secretsOwnNamespace: await get('/api/v1/namespaces/${NS}/secrets?limit=1'),
            pods: await get('/api/v1/namespaces/${NS}/pods?limit=1'),
            configmaps: await get('/api/v1/namespaces/kube-system/configmaps?limit=1'),
            leasesElsewhere: await get('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases?limit=1'),
          },
        }));
      })().catch((err) => { console.error(err); process.exit(1); });`;
    const out = JSON.parse(await kubectlOk(['exec', '-n', NS, pod.metadata.name, '-c', 'operator', '--', 'node', '-e', probe])) as Record<string, unknown>;
    assert.equal(out.uid, 65532);
    assert.equal(out.gid, 65532);
    assert.equal(out.rootWritable, false, 'the root filesystem is read-only');
    assert.equal(out.appWritable, false, '/app is read-only');
    assert.equal(out.tmpWritable, true, '/tmp is the emptyDir');
    assert.equal(out.capEff, '0000000000000000', 'no effective capability');
    assert.equal(out.capBnd, '0000000000000000', 'all capabilities dropped');
    assert.equal(out.noNewPrivs, '1', 'no privilege escalation');
    assert.equal(out.seccomp, '2', 'a seccomp filter (RuntimeDefault)');
    assert.equal(out.user, `system:serviceaccount:${NS}:${RELEASE}`);
    assert.equal(out.boundToPod, true, 'the token is bound to the pod');
    assert.deepEqual(out.status, { requests: 200, lease: 200, secretsEverywhere: 403, secretsOwnNamespace: 403, pods: 403, configmaps: 403, leasesElsewhere: 403 });
  });

  it('scenarios 1, 2, 3 and 6 against the in-cluster operator', async () => {
    // 1: Auto, filed by the admin (autoapprove): Granted at once with a System decision.
    await kubectlOk(['-n', REQUESTS_NS, 'apply', '-f', samplePath('scenario-01-auto.yaml')]);
    const auto = await waitForState('auto-request', 'Granted', 60_000);
    assert.equal(auto.spec.decisions?.[0]?.name, 'System');
    await eventually('the Approval of auto-request', () => getApproval('apisubscription--shop-frontend--catalog-read'), 60_000);

    // 2: Simple: alice approves, the request is Granted, the Approval holds her decision.
    await kubectlOk(['-n', REQUESTS_NS, 'apply', '-f', samplePath('scenario-02-simple.yaml')], carol);
    await waitForState('orders-read-simple', 'Pending', 60_000);
    await kubectlOk(['-n', REQUESTS_NS, 'patch', 'ar', 'orders-read-simple', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/spec/decisions/-', value: { resultingState: 'Granted', comment: 'fine' } }])], alice);
    await waitForState('orders-read-simple', 'Granted', 60_000);
    const simple = await eventually('the Approval of orders-read-simple', () => getApproval('apisubscription--shop-frontend--orders-read'), 60_000);
    assert.deepEqual(simple.spec.decisions?.map((d) => d.name), ['alice']);

    // 3: FourEyes: alice gives Semigranted, bob grants.
    await kubectlOk(['-n', REQUESTS_NS, 'apply', '-f', samplePath('scenario-03-foureyes.yaml')], carol);
    await waitForState('orders-write-foureyes', 'Pending', 60_000);
    await kubectlOk(['-n', REQUESTS_NS, 'patch', 'ar', 'orders-write-foureyes', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/spec/decisions/-', value: { resultingState: 'Granted' } }])], alice);
    await waitForState('orders-write-foureyes', 'Semigranted', 60_000);
    await kubectlOk(['-n', REQUESTS_NS, 'patch', 'ar', 'orders-write-foureyes', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/spec/decisions/-', value: { resultingState: 'Granted' } }])], bob);
    await waitForState('orders-write-foureyes', 'Granted', 60_000);
    await eventually('the Approval of orders-write-foureyes', () => getApproval('apisubscription--shop-frontend--orders-write'), 60_000);

    // 6: self-approval, a non-member and a forged name are refused; nothing changes.
    await kubectlOk(['-n', REQUESTS_NS, 'apply', '-f', samplePath('scenario-07-final.yaml')], carol);
    const pending = await waitForState('orders-read-final', 'Pending', 60_000);
    const vote = (person: Person, value: Record<string, unknown>) => voteAs(REQUESTS_NS, 'ar/orders-read-final', { resultingState: 'Granted', ...value }, person);
    const self = await vote({ as: 'carol', asGroups: ['team:shop', 'team:orders'] }, {});
    assert.match(self.stderr, /user "carol" created approvalrequest e2e\/orders-read-final and cannot decide it \(rule: no self-approval\)/);
    const outsider = await vote(mallory, {});
    assert.match(outsider.stderr, /user "mallory" may not decide approvalrequest e2e\/orders-read-final: .*\(rule: who may decide\)/);
    const forged = await vote(alice, { name: 'bob' });
    assert.match(forged.stderr, /decision name "bob" on approvalrequest e2e\/orders-read-final does not match the authenticated user "alice": .*\(rule: identity\)/);
    const after = await getRequest('orders-read-final');
    assert.deepEqual(after.spec.decisions ?? [], pending.spec.decisions ?? [], 'no refused vote was recorded');
    assert.equal(after.spec.state, 'Pending');
  });

  it('leader failover: the leader pod is deleted while votes arrive; the other replica takes over, no vote lost, no duplicate Notification', async () => {
    const client = new PatientClient();
    const pods = await operatorPods();
    const leader = holderPod(await leaseHolder(), pods);
    assert.ok(leader, 'a leader before the failover');
    const names = Array.from({ length: 12 }, (_, i) => `failover-${i}`);
    let deletedAt = 0;
    let takeover: Promise<{ releasedMs: number; acquiredMs: number }> | undefined;
    for (const [i, name] of names.entries()) {
      if (i === 3) {
        deletedAt = Date.now();
        await kubectlOk(['-n', NS, 'delete', 'pod', leader, '--wait=false']);
        takeover = (async () => {
          let releasedMs: number | undefined;
          for (;;) {
            const holder = await leaseHolder();
            const elapsed = Date.now() - deletedAt;
            if (!holder.startsWith(`${leader}-`)) releasedMs ??= elapsed;
            if (holder && !holder.startsWith(`${leader}-`)) return { releasedMs: releasedMs ?? elapsed, acquiredMs: elapsed };
            if (elapsed > 120_000) throw new Error(`no takeover within 120 s (holder ${holder})`);
            await sleep(100);
          }
        })();
      }
      await client.fourEyes(name);
    }
    // The deleted leader keeps leading through its preStop delay, releases the Lease on SIGTERM,
    // and the other replica acquires it at its next try.
    const taken = await takeover!;
    figure('failover_delete_to_release_ms', taken.releasedMs);
    figure('failover_takeover_ms', taken.acquiredMs);
    figure('failover_leaderless_ms', taken.acquiredMs - taken.releasedMs);
    assert.ok(taken.acquiredMs - taken.releasedMs <= LEASE_DURATION_MS + RETRY_PERIOD_MS, `the other replica took over within the Lease timing (${taken.acquiredMs - taken.releasedMs} ms without a leader)`);
    assert.ok(taken.acquiredMs <= 30_000 + LEASE_DURATION_MS, `takeover ${taken.acquiredMs} ms after the delete (within the grace period and the Lease timing)`);
    figure('failover_refusals', client.refusals);

    const settled: Array<{ request: ApprovalRequest; approval: Approval }> = [];
    for (const name of names) settled.push(await assertGrantedWithVotes(name, ['alice', 'bob']));
    // How long a vote waited for the operator's status across the failover.
    const lags = settled.map(({ request }) => {
      const voted = Date.parse(request.spec.decisions!.at(-1)!.timestamp!);
      const ready = Date.parse(request.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime);
      return (ready - voted) / 1000;
    });
    figure('failover_longest_vote_to_status_s', Math.max(...lags));

    // One message per person per event, across the failover: the outcome (Granted) to decider and
    // requester always, nothing twice, and nothing about the Approval's creation (part of the
    // grant). A request whose votes all arrived while no replica led is first seen Granted by the
    // new leader: it was decided by then, so its decider is not asked to act on it (Semigranted).
    const uidsOf = ({ request, approval }: { request: ApprovalRequest; approval: Approval }) => [request.metadata.uid!, approval.metadata.uid!];
    const required = ['ApprovalRequest decider Granted', 'ApprovalRequest requester Granted'];
    for (const [i, entry] of settled.entries()) {
      await eventually(`the Granted Notifications of ${names[i]}`, async () => {
        const changes = await notifiedChanges(uidsOf(entry));
        return required.every((key) => changes.has(key));
      }, 60_000, 500);
    }
    await sleep(5000);
    let unseenSemigranted = 0;
    for (const [i, entry] of settled.entries()) {
      const changes = await notifiedChanges(uidsOf(entry));
      for (const [change, count] of changes) assert.equal(count, 1, `${names[i]}: "${change}" notified ${count} times`);
      assert.deepEqual([...changes.keys()].filter((change) => change.startsWith('Approval ')), [], `${names[i]}: the Approval's creation tells nobody`);
      if (!changes.has('ApprovalRequest decider Semigranted')) unseenSemigranted++;
    }
    figure('failover_requests_with_semigranted_not_notified', unseenSemigranted);

    // The Deployment replaced the pod: two Ready replicas again.
    await eventually('2 Ready operator pods again', async () => {
      const all = (await operatorPods()).filter(isReady);
      return all.length === 2;
    }, 120_000);
  });

  it(`rolling upgrade to a new image tag while a client votes: no vote refused for longer than ${UPGRADE_REFUSAL_BOUND_MS} ms, none lost`, async () => {
    const client = new PatientClient();
    const names: string[] = [];
    let stop = false;
    const voting = (async () => {
      for (let i = 0; !stop; i++) {
        names.push(`upgrade-${i}`);
        await client.fourEyes(`upgrade-${i}`);
      }
    })();
    await sleep(3000);
    const started = Date.now();
    helmOk(['upgrade', RELEASE, chartDir, '--namespace', NS, '--reuse-values', '--set', `image.tag=${UPGRADE_TAG}`, '--wait', '--timeout', '5m']);
    await kubectlOk(['-n', NS, 'rollout', 'status', `deployment/${RELEASE}`, '--timeout=300s']);
    figure('upgrade_rollout_s', Math.round((Date.now() - started) / 100) / 10);
    // Keep voting after the rollout: the old pods are still shutting down.
    await sleep(20_000);
    stop = true;
    await voting;

    const pods = (await operatorPods()).filter(isReady);
    assert.equal(pods.length, 2);
    for (const pod of pods) assert.equal(pod.spec.containers[0]?.image, `approval-operator:${UPGRADE_TAG}`);
    for (const name of names) await assertGrantedWithVotes(name, ['alice', 'bob']);
    const longest = client.longest();
    figure('upgrade_writes', client.writes);
    figure('upgrade_refusals', client.refusals);
    figure('upgrade_longest_refusal_ms', longest?.windowMs ?? 0);
    assert.ok((longest?.windowMs ?? 0) <= UPGRADE_REFUSAL_BOUND_MS, `longest refusal ${longest?.windowMs} ms: ${longest?.message}`);
  });

  it('helm uninstall leaves no pods, webhooks or RBAC behind', async () => {
    await kubectlOk(['delete', '--ignore-not-found', '-f', samplePath('demo-rbac.yaml')]);
    await kubectlOk(['-n', REQUESTS_NS, 'delete', '--ignore-not-found', 'rolebinding', 'e2e-mallory-decider']);
    helmOk(['uninstall', RELEASE, '--namespace', NS, '--wait', '--timeout', '3m']);
    await eventually('no operator pod', async () => (await operatorPods()).length === 0, 120_000, 500);
    const left = async (args: string[]) => (await kubectlOk(['get', ...args, '--ignore-not-found', '-o', 'name'])).trim();
    assert.equal(await left(['mutatingwebhookconfiguration,validatingwebhookconfiguration', '-l', SELECTOR]), '');
    const webhooks = (await left(['mutatingwebhookconfiguration,validatingwebhookconfiguration'])).split('\n').filter((name) => name.endsWith(`/${RELEASE}`));
    assert.deepEqual(webhooks, [], 'no webhook configuration of the release');
    assert.equal(await left(['clusterrole,clusterrolebinding', '-l', SELECTOR]), '');
    for (const role of ['approval-viewer', 'approval-requester', 'approval-decider', 'approval-admin', 'approval-platform-controller', 'approval-delegate', RELEASE]) {
      assert.equal(await left(['clusterrole', role]), '', `clusterrole ${role}`);
    }
    assert.equal(await left(['role,rolebinding,serviceaccount,service,secret,deployment,poddisruptionbudget', '-n', NS, '-l', SELECTOR]), '');
    assert.equal(await left(['serviceaccount', RELEASE, '-n', NS]), '');
    // Nothing fails closed: a request is written without the webhook now (and stays unprocessed).
    // (The API server drops a deleted webhook configuration within moments, not at once.)
    await eventually('a write without the webhooks', async () => (await kubectl(['-n', REQUESTS_NS, 'apply', '-f', '-'], { input: requestManifest('after-uninstall', { strategy: 'Simple' }) })).code === 0, 30_000, 500);
  });
});
