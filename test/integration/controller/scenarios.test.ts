// Acceptance scenarios 1, 2, 3, 5, 7, 8, 9 and 11 against the real API server: each
// applies its sample from config/samples with kubectl, decides with `kubectl patch`, and checks
// status, conditions, decisions and the Approval. The operator runs in-process with its real wiring.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Notification } from '../../../src/api/types.ts';
import { notificationResource } from '../../../src/api/resources.ts';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { collectionPath, core } from '../../../src/runtime/resource.ts';
import { adminClient, createNamespace, eventually } from '../../support/cluster.ts';
import { approvalHelpers } from '../../support/approvals.ts';
import { installCrds, kubectl, kubectlOk, samplePath } from '../../support/kubectl.ts';
import { metricValue, startOperator, type RunningOperator } from '../../support/operator.ts';

describe('acceptance scenarios (controller)', () => {
  let client: KubeClient;
  let operator: RunningOperator;
  let ns: string;

  const { getRequest, waitForState, waitForApprovalState, vote } = approvalHelpers(adminClient(), () => ns);
  const apply = (file: string) => kubectlOk(['-n', ns, 'apply', '-f', samplePath(file)]);
  const condition = (object: { status?: { conditions?: Array<{ type: string; status: string; reason: string }> } }, type: string) =>
    object.status?.conditions?.find((c) => c.type === type);

  before(async () => {
    client = adminClient();
    await installCrds();
    ns = await createNamespace(client, 'scenarios');
    operator = await startOperator();
  });
  after(async () => {
    await operator?.stop();
    await client.close();
  });

  /** The operator's successful writes in the test namespace since `from`, names of created objects left out, sorted. */
  const writesSince = (from: number) =>
    operator.writePaths
      .slice(from)
      .filter((w) => w.includes(`/namespaces/${ns}/`))
      .map((w) => w.replace(`/namespaces/${ns}/`, '/').replace(/^.*\/apis\/[^/]+\/v1\//, (m) => m.split(' ')[0] + ' '))
      .sort();
  const notificationsAbout = async (name: string) =>
    (await client.get<{ items: Notification[] }>(collectionPath(notificationResource, ns))).items
      .filter((n) => (n.spec.properties?.subject as { name?: string } | undefined)?.name === name)
      .map((n) => `${n.spec.purpose} ${String(n.spec.properties?.state_new)}`)
      .sort();

  it('scenario 1: an Auto request is Granted at once with a System decision and gets its Approval', async () => {
    const from = operator.writePaths.length;
    await apply('scenario-01-auto.yaml');
    const request = await waitForState('auto-request', 'Granted');
    assert.equal(request.spec.decisions?.length, 1);
    assert.equal(request.spec.decisions?.[0]?.name, 'System');
    assert.equal(request.spec.decisions?.[0]?.resultingState, 'Granted');
    assert.deepEqual(condition(request, 'Approved'), { ...condition(request, 'Approved'), status: 'True', reason: 'Granted' });
    assert.equal(request.status?.approval?.name, 'apisubscription--shop-frontend--catalog-read');
    const approval = await waitForApprovalState('apisubscription--shop-frontend--catalog-read', 'Granted');
    assert.equal(approval.spec.approvedRequest?.uid, request.metadata.uid);
    assert.equal(approval.spec.decisions?.[0]?.name, 'System');
    // One message per person per event: the decider and the requester hear the outcome once; the
    // Approval's creation is the same event and tells nobody.
    await eventually('the outcome Notifications', async () => (await notificationsAbout('auto-request')).length === 2);
    assert.deepEqual(await notificationsAbout('auto-request'), ['approvalrequest--subscribe--created--decider Granted', 'approvalrequest--subscribe--created--requester Granted']);
    assert.deepEqual(await notificationsAbout('apisubscription--shop-frontend--catalog-read'), []);
    // No Event: the System decision in spec and the status conditions already record the grant.
    const events = await client.get<{ items: Array<{ reason: string; regarding: { name: string } }> }>(collectionPath(core.event, ns));
    assert.deepEqual(events.items.filter((e) => ['auto-request', 'apisubscription--shop-frontend--catalog-read'].includes(e.regarding.name)), []);
    // An Auto grant costs at most 6 writes: the System decision, the request's status, the
    // Approval and its status, one Notification per person.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(writesSince(from), [
      'PATCH approvalrequests/auto-request',
      'PATCH approvalrequests/auto-request/status',
      'PATCH approvals/apisubscription--shop-frontend--catalog-read/status',
      'POST approvals',
      'POST notifications',
      'POST notifications',
    ]);
  });

  it('scenario 2: Simple — alice approves with kubectl patch, the request is Granted and the Approval holds her decision', async () => {
    await apply('scenario-02-simple.yaml');
    const pending = await waitForState('orders-read-simple', 'Pending');
    assert.deepEqual(pending.status?.availableTransitions?.map((t) => `${t.action}->${t.to}`), ['Allow->Granted', 'Deny->Rejected']);
    assert.equal(condition(pending, 'Processing')?.reason, 'ApprovalPending');
    await new Promise((resolve) => setTimeout(resolve, 300)); // the created → Pending report settles
    const from = operator.writePaths.length;
    await vote('ar', 'orders-read-simple', 'alice', 'Granted', 'fine for read access');
    const wait = await kubectl(['-n', ns, 'wait', '--for=condition=Approved', '--timeout=20s', 'approvalrequest/orders-read-simple']);
    assert.equal(wait.code, 0, wait.stderr);
    const granted = await waitForState('orders-read-simple', 'Granted');
    assert.deepEqual(granted.status?.availableTransitions, []);
    const approval = await waitForApprovalState('apisubscription--shop-frontend--orders-read', 'Granted');
    assert.deepEqual(approval.spec.decisions?.map((d) => [d.name, d.resultingState, d.comment]), [['alice', 'Granted', 'fine for read access']]);
    // Pending → Granted by a vote: the request's status, the Approval and its status, one Event,
    // one Notification per person = 6. This suite runs without the admission webhook, which would
    // derive spec.state in the vote's own write; here the controller corrects it (a spec patch that
    // also releases the withdrawal finalizer, and a StateCorrected Event).
    await eventually('the outcome Notifications', async () => (await notificationsAbout('orders-read-simple')).length === 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(writesSince(from), [
      'PATCH approvalrequests/orders-read-simple',
      'PATCH approvalrequests/orders-read-simple/status',
      'PATCH approvals/apisubscription--shop-frontend--orders-read/status',
      'POST approvals',
      'POST events',
      'POST events',
      'POST notifications',
      'POST notifications',
    ]);
    const events = (await client.get<{ items: Array<{ reason: string; note: string; regarding: { name: string } }> }>(collectionPath(core.event, ns))).items;
    const about = (name: string) => events.filter((e) => e.regarding.name === name).map((e) => `${e.reason}: ${e.note.replace(/spec\.state.*/, '…')}`).sort();
    assert.deepEqual(about('orders-read-simple'), ['Granted: Pending → Granted by alice; Approval apisubscription--shop-frontend--orders-read', 'StateCorrected: …']);
    assert.deepEqual(about('apisubscription--shop-frontend--orders-read'), [], "the Approval's creation is the request's grant: no Event of its own");
    assert.deepEqual(await notificationsAbout('orders-read-simple'), [
      'approvalrequest--subscribe--created--decider Pending',
      'approvalrequest--subscribe--updated--decider Granted',
      'approvalrequest--subscribe--updated--requester Granted',
    ]);
  });

  it('reconciling an unchanged request performs no API write', async () => {
    await waitForState('orders-read-simple', 'Granted');
    const reconcilesBefore = await metricValue(operator.manager, 'approval_operator_reconcile_total', { controller: 'approvalrequest' });
    const writesBefore = operator.writes.length;
    // An annotation changes nothing the operator owns, but its watch event triggers a reconcile.
    await kubectlOk(['-n', ns, 'annotate', 'ar', 'orders-read-simple', 'example.com/touched=1']);
    await eventually('a reconcile of the touched request', async () =>
      (await metricValue(operator.manager, 'approval_operator_reconcile_total', { controller: 'approvalrequest' })) > reconcilesBefore);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(operator.writes.slice(writesBefore), [], 'no write for an unchanged request');
  });

  it('the Approval is owned by its target when the target has a uid in the same namespace', async () => {
    const target = await client.create<{ metadata: { uid: string } }>(collectionPath(core.configMap, ns), { metadata: { name: 'granted-thing' } });
    const manifest = {
      apiVersion: 'approval.cp.ei.telekom.de/v1',
      kind: 'ApprovalRequest',
      metadata: { name: 'owned' },
      spec: {
        strategy: 'Auto',
        requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'owner reference' },
        target: { apiVersion: 'v1', kind: 'ConfigMap', name: 'granted-thing', namespace: ns, uid: target.metadata.uid },
      },
    };
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: JSON.stringify(manifest) });
    await waitForState('owned', 'Granted');
    const approval = await waitForApprovalState('configmap--granted-thing', 'Granted');
    assert.deepEqual(approval.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid]), [['ConfigMap', 'granted-thing', target.metadata.uid]]);
  });

  it('scenario 3: FourEyes — alice gives Semigranted, alice again changes nothing, bob grants', async () => {
    await apply('scenario-03-foureyes.yaml');
    await waitForState('orders-write-foureyes', 'Pending');
    await vote('ar', 'orders-write-foureyes', 'alice', 'Granted');
    const semi = await waitForState('orders-write-foureyes', 'Semigranted');
    assert.equal(semi.status?.stages?.[0]?.approvals, 1);
    await vote('ar', 'orders-write-foureyes', 'alice', 'Granted');
    const stillSemi = await eventually('the repeated vote to be processed', async () => {
      const request = await getRequest('orders-write-foureyes');
      return request.status?.observedGeneration === request.metadata.generation ? request : undefined;
    });
    assert.equal(stillSemi.spec.state, 'Semigranted');
    assert.equal(stillSemi.status?.lastState, 'Semigranted');
    assert.equal(stillSemi.status?.stages?.[0]?.approvals, 1, 'the same person counts once');
    await vote('ar', 'orders-write-foureyes', 'bob', 'Granted');
    const granted = await waitForState('orders-write-foureyes', 'Granted');
    const approvers = new Set(granted.spec.decisions?.filter((d) => d.resultingState !== 'Rejected').map((d) => d.name));
    assert.deepEqual([...approvers].sort(), ['alice', 'bob']);
    const approval = await waitForApprovalState('apisubscription--shop-frontend--orders-write', 'Granted');
    assert.equal(approval.spec.decisions?.at(-1)?.name, 'bob');
  });

  it('scenario 5: a FourEyes request of a team the policy trusts is Granted at once', async (t) => {
    t.after(() => kubectl(['delete', 'approvalpolicy', 'orders-subscriptions', '--ignore-not-found']));
    await apply('scenario-05-trusted-team.yaml');
    const request = await waitForState('platform-orders-read', 'Granted');
    assert.equal(request.status?.policyRef, 'orders-subscriptions');
    assert.equal(request.spec.decisions?.[0]?.name, 'System');
    assert.match(request.spec.decisions?.[0]?.comment ?? '', /platform is trusted/);
    await waitForApprovalState('apisubscription--platform-monitor--payments-read', 'Granted');
  });

  // The admission webhook refuses this write (test/integration/admission); this suite runs without
  // it, where the controller holds the line by writing the state the decisions give back.
  it('scenario 7: a Granted Simple request set back to Pending is Granted again, with a StateCorrected event', async () => {
    await apply('scenario-07-final.yaml');
    await waitForState('orders-read-final', 'Pending');
    await vote('ar', 'orders-read-final', 'alice', 'Granted');
    const granted = await waitForState('orders-read-final', 'Granted');
    await kubectlOk(['-n', ns, 'patch', 'ar', 'orders-read-final', '--type=merge', '-p', '{"spec":{"state":"Pending"}}']);
    await eventually('the state corrected', async () => {
      const now = await getRequest('orders-read-final');
      return now.metadata.generation! > granted.metadata.generation! && now.spec.state === 'Granted';
    });
    assert.deepEqual((await getRequest('orders-read-final')).spec.decisions, granted.spec.decisions, 'no decision added or lost');
    const events = await client.get<{ items: Array<{ reason: string; regarding: { name: string } }> }>(collectionPath(core.event, ns));
    assert.ok(events.items.some((e) => e.reason === 'StateCorrected' && e.regarding.name === 'orders-read-final'));
  });

  it('scenario 8: the decider suspends, resumes and denies an Approval; with a grantValidity it expires', async (t) => {
    t.after(() => kubectl(['delete', 'approvalpolicy', 'short-lived-grants', '--ignore-not-found']));
    await apply('scenario-08-approval-lifecycle.yaml');
    await waitForState('reports-read-lifecycle', 'Pending');
    await vote('ar', 'reports-read-lifecycle', 'alice', 'Granted');
    await waitForState('reports-read-lifecycle', 'Granted');
    const name = 'reportsubscription--shop-frontend--reports-read';
    const granted = await waitForApprovalState(name, 'Granted');
    assert.ok(granted.status?.expiresAt, 'a policy with grantValidity gives the Approval an expiry');
    assert.deepEqual(granted.status?.availableTransitions?.map((tr) => tr.action), ['Deny', 'Suspend']);
    await vote('apv', name, 'alice', 'Suspended', 'pen test running');
    await waitForApprovalState(name, 'Suspended');
    await vote('apv', name, 'alice', 'Granted', 'pen test done');
    await waitForApprovalState(name, 'Granted');
    await vote('apv', name, 'alice', 'Rejected', 'no longer needed');
    const denied = await waitForApprovalState(name, 'Rejected');
    assert.equal(condition(denied, 'Ready')?.reason, 'Rejected');
    assert.equal((await getRequest('reports-read-lifecycle')).spec.state, 'Granted', 'the request stays Granted; the grant changed');

    // Expiry: a fresh grant under a policy with a 3 s validity.
    await kubectlOk(['patch', 'approvalpolicy', 'short-lived-grants', '--type=merge', '-p', '{"spec":{"grantValidity":"3s"}}']);
    await vote('apv', name, 'alice', 'Granted', 'needed again');
    await waitForApprovalState(name, 'Granted');
    const expired = await waitForApprovalState(name, 'Expired', 15_000);
    assert.equal(expired.spec.decisions?.at(-1)?.name, 'System');
    assert.equal(expired.spec.decisions?.at(-1)?.resultingState, 'Expired');
    // Each lifecycle change tells both teams once; the Approval's creation (the grant) tells nobody
    // (reminders, which the sample's policy also asks for, are left out here).
    const told = async () =>
      (await client.get<{ items: Notification[] }>(collectionPath(notificationResource, ns))).items
        .filter((n) => (n.spec.properties?.subject as { name?: string } | undefined)?.name === name && !n.spec.purpose.includes('--reminder--'))
        .map((n) => `${n.spec.purpose.replace('approval--subscribe--', '')} ${String(n.spec.properties?.state_old)}→${String(n.spec.properties?.state_new)}`)
        .sort();
    await eventually('the expiry told', async () => (await told()).length === 10).catch(async (err: unknown) => assert.fail(`${String(err)}: ${(await told()).join(', ')}`));
    const changes = ['Granted→Suspended', 'Suspended→Granted', 'Granted→Rejected', 'Rejected→Granted', 'Granted→Expired'];
    assert.deepEqual(await told(), [...changes.map((c) => `updated--decider ${c}`), ...changes.map((c) => `updated--requester ${c}`)].sort());
  });

  it('scenario 9: a request with timeout 2s and no votes becomes Expired with a System decision', async () => {
    await apply('scenario-09-timeout.yaml');
    const pending = await waitForState('orders-read-timeout', 'Pending');
    assert.ok(pending.status?.expiresAt, 'status shows when it expires');
    const expired = await waitForState('orders-read-timeout', 'Expired', 15_000);
    assert.equal(expired.spec.decisions?.at(-1)?.name, 'System');
    assert.equal(condition(expired, 'Ready')?.reason, 'Expired');
    assert.equal(condition(expired, 'Processing')?.reason, 'Done');
  });

  it('scenario 11: bad manifests fail at kubectl apply with the field named, and nothing is created', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['missing-requester-team.yaml', 'bad-missing-team', /spec\.requester\.teamName: Required value/],
      ['unknown-strategy.yaml', 'bad-strategy', /spec\.strategy: Unsupported value: "Sometimes"/],
      ['bad-timeout.yaml', 'bad-timeout', /spec\.timeout/],
    ];
    for (const [file, name, message] of cases) {
      const result = await kubectl(['-n', ns, 'apply', '-f', samplePath(`invalid/${file}`)]);
      assert.notEqual(result.code, 0, `${file} must be refused`);
      assert.match(result.stderr, message);
      const get = await kubectl(['-n', ns, 'get', 'ar', name]);
      assert.match(get.stderr, /NotFound/, `${name} was not created`);
    }
  });

  it('a seed-003 manifest (strategy, state and decisions in spec) is accepted and driven by the seed FSM', async () => {
    const manifest = (name: string, strategy: string, state: string, decisions: Array<{ name: string; resultingState: string }>) =>
      JSON.stringify({
        apiVersion: 'approval.cp.ei.telekom.de/v1',
        kind: 'ApprovalRequest',
        metadata: { name },
        spec: {
          action: 'subscribe',
          strategy,
          state,
          requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'seed style' },
          decider: { teamName: 'orders', teamEmail: 'orders@example.com' },
          target: { kind: 'ApiSubscription', name: `seed-${name}`, namespace: ns },
          decisions,
        },
      });
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: manifest('seed-simple', 'Simple', 'Granted', [{ name: 'carol', resultingState: 'Granted' }]) });
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: manifest('seed-foureyes', 'FourEyes', 'Semigranted', [{ name: 'carol', resultingState: 'Semigranted' }]) });
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: manifest('seed-rejected', 'Simple', 'Rejected', [{ name: 'dave', resultingState: 'Rejected' }]) });
    await waitForState('seed-simple', 'Granted');
    const semi = await waitForState('seed-foureyes', 'Semigranted');
    assert.deepEqual(semi.status?.availableTransitions?.map((tr) => `${tr.action}->${tr.to}`), ['Deny->Rejected', 'Allow->Granted']);
    const rejected = await waitForState('seed-rejected', 'Rejected');
    // Seed table: Simple Allow Rejected→Granted is available after a rejection.
    assert.deepEqual(rejected.status?.availableTransitions?.map((tr) => `${tr.action}->${tr.to}`), ['Allow->Granted']);
    // Without the webhook (this suite runs none), a state the decisions do not give is corrected by
    // the controller: a decided state without any decision goes back to Pending…
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: manifest('seed-unjustified', 'Simple', 'Granted', []) });
    await waitForState('seed-unjustified', 'Pending');
    // …and one the votes contradict becomes what they give.
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: manifest('seed-mismatch', 'Simple', 'Rejected', [{ name: 'carol', resultingState: 'Granted' }]) });
    await waitForState('seed-mismatch', 'Granted');
    const events = await client.get<{ items: Array<{ reason: string; regarding: { name: string } }> }>(collectionPath(core.event, ns));
    assert.ok(events.items.some((e) => e.reason === 'StateCorrected' && e.regarding.name === 'seed-mismatch'));
  });
});
