// The manager's lifecycle. approval_operator_leader: 1 while this replica runs the controllers;
// without leader election a single operator reconciles on its own, so the gauge must read 1 then
// (it used to stay 0). Readiness waits for the webhooks to listen. Stop hooks: the memory guard's timer and the by-state gauges' timer used to
// outlive a stopped manager.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { portOf } from '../../../src/runtime/http-endpoints.ts';
import { KubeClient } from '../../../src/runtime/kube-client.ts';
import { Manager } from '../../../src/runtime/manager.ts';

// No informers and no controllers: start() makes no request, so no server is needed.
const client = () => new KubeClient({ server: 'http://127.0.0.1:1', authenticate: async () => ({ headers: {}, dispatcher: undefined }) });
const leaderValue = async (manager: Manager) => (await manager.metrics.leader.get()).values[0]?.value;

describe('Manager: the leader gauge', () => {
  it('reads 1 while a manager without leader election runs the controllers, 0 before and after', async () => {
    const manager = new Manager({ client: client(), log: pino({ level: 'silent' }) });
    assert.equal(await leaderValue(manager), 0);
    await manager.start();
    assert.equal(manager.isLeader(), true);
    assert.equal(await leaderValue(manager), 1);
    await manager.stop();
    assert.equal(await leaderValue(manager), 0);
  });
});

describe('Manager: stop hooks', () => {
  it('runs the hooks given to onStop when it stops, once, and not before', async () => {
    const manager = new Manager({ client: client(), log: pino({ level: 'silent' }) });
    let runs = 0;
    manager.onStop(() => runs++);
    await manager.start();
    assert.equal(runs, 0);
    await manager.stop();
    assert.equal(runs, 1);
  });
});

describe('Manager: readiness', () => {
  it('reports not ready until the servers of addServer listen (the webhooks), then ready', async () => {
    const manager = new Manager({ client: client(), log: pino({ level: 'silent' }), healthPort: 0 });
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${portOf(manager.servers[0]!)}/readyz`);
      return `${res.status} ${(await res.text()).trim()}`;
    };
    let whileStarting = '';
    manager.addServer(async () => {
      whileStarting = await readyz();
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    });
    await manager.start();
    try {
      assert.equal(whileStarting, '503 servers not listening yet');
      assert.equal(await readyz(), '200 ok');
    } finally {
      await manager.stop();
    }
  });
});
