// `make run` on a busy machine: with the usual ports (SMTP sink, metrics, health, webhook) taken by
// other processes it picks free ones and says so, without a stack trace; it registers the webhooks
// only once the operator listens, and removes them when it stops. A port set explicitly and taken
// is an error naming its variable, and leaves no webhook behind.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../../hack/control-plane.ts';
import { adminClient, createNamespace, eventually, kubeconfigPath } from '../../support/cluster.ts';
import { approvalHelpers } from '../../support/approvals.ts';
import { kubectl, kubectlOk } from '../../support/kubectl.ts';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';

const DEFAULT_PORTS = [2525, 8080, 8081, 9443];

/** Holds `port` on every interface, or resolves undefined when someone else already does. */
function occupy(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, exclusive: true }, () => resolve(server));
  });
}

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function makeRun(env: Record<string, string> = {}): Run {
  const child = spawn('bash', [join(repoRoot, 'hack', 'run.sh')], {
    env: { ...process.env, KUBECONFIG: kubeconfigPath(), PATH: `${join(repoRoot, '.local', 'node', 'bin')}:${join(repoRoot, '.local', 'bin')}:${process.env.PATH}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

const webhookUrl = async () => {
  const result = await kubectl(['get', 'mutatingwebhookconfiguration', 'approval-operator', '-o', 'jsonpath={.webhooks[0].clientConfig.url}']);
  return result.code === 0 ? result.stdout : undefined;
};

describe('make run on a busy machine', () => {
  const held: Server[] = [];
  let client: KubeClient;
  let ns: string;
  const { waitForState } = approvalHelpers(adminClient(), () => ns);

  before(async () => {
    client = adminClient();
    ns = await createNamespace(client, 'make-run');
    for (const port of DEFAULT_PORTS) {
      const server = await occupy(port);
      if (server) held.push(server);
    }
  });
  after(async () => {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
    await client.close();
  });

  it('picks free ports, names them, registers the webhooks once the operator listens and removes them on stop', async () => {
    const run = makeRun();
    try {
      const url = await eventually('the webhooks registered', webhookUrl, 120_000, 250);
      const port = Number(new URL(url).port);
      assert.ok(!DEFAULT_PORTS.includes(port), `the webhook is not on a taken port (${port})`);
      const output = run.output();
      for (const name of ['APPROVAL_SMTP_SINK_PORT', 'APPROVAL_METRICS_PORT', 'APPROVAL_HEALTH_PORT', 'APPROVAL_WEBHOOK_PORT']) {
        assert.match(output, new RegExp(`port \\d+ is in use: ${name}=\\d+ \\(set ${name} to choose\\)`));
      }
      assert.doesNotMatch(output, /^\s+at /m, 'no stack trace');
      await kubectlOk(['-n', ns, 'apply', '-f', join(repoRoot, 'config', 'samples', 'scenario-01-auto.yaml')]);
      await waitForState('auto-request', 'Granted', 60_000);
    } finally {
      run.child.kill('SIGINT');
      await run.exited;
    }
    assert.equal(await webhookUrl(), undefined, 'the webhooks went with the operator');
  });

  it('a port set explicitly and taken is an error naming its variable; no webhook is left behind', async () => {
    const taken = held.find((server) => (server.address() as { port: number }).port === 8081) ? 8081 : undefined;
    const server = taken === undefined ? await occupy(0) : undefined;
    const port = taken ?? (server!.address() as { port: number }).port;
    try {
      const run = makeRun({ APPROVAL_HEALTH_PORT: String(port) });
      const code = await run.exited;
      assert.notEqual(code, 0);
      assert.match(run.output(), new RegExp(`port ${port} is already in use; choose another with APPROVAL_HEALTH_PORT=<port>`));
      assert.doesNotMatch(run.output(), /^\s+at /m, 'no stack trace');
      assert.equal(await webhookUrl(), undefined);
    } finally {
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    }
  });
});
