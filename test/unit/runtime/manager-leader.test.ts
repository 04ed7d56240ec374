// approval_operator_leader: 1 while this replica runs the controllers. Without leader election a
// single operator reconciles on its own, so the gauge must read 1 then (it used to stay 0).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
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
