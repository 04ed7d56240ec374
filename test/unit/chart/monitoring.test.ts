// The chart's alerts and dashboard: they render only when asked, every PromQL expression parses
// (Prometheus' own grammar, @prometheus-io/lezer-promql), and every metric they read is one the
// operator exports, so a renamed metric cannot silently blind an alert.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parser } from '@prometheus-io/lezer-promql';
import { repoRoot } from '../../../hack/control-plane.ts';
import { find, ofKind, render } from './helm.ts';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

/** Every `approval_operator_*` metric the source registers. */
function exportedMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) for (const match of readFileSync(path, 'utf8').matchAll(/'(approval_operator_[a-z_]+)'/g)) names.add(match[1]!);
    }
  };
  walk(join(repoRoot, 'src'));
  return names;
}

/** The metric names an expression reads (histogram series map to their histogram). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b(approval_operator_[a-z_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''));
}

function assertParses(expr: string): void {
  const tree = parser.parse(expr);
  let error: number | undefined;
  tree.iterate({ enter: (node) => (node.type.isError ? ((error = node.from), false) : undefined) });
  assert.equal(error, undefined, `PromQL does not parse at ${error}: ${expr}`);
}

describe('alerts and dashboard', () => {
  const metrics = exportedMetrics();

  it('check the checker: a broken expression does not parse', () => {
    assert.throws(() => assertParses('sum(rate(approval_operator_leader[5m])'), /does not parse/);
    assert.throws(() => assertParses('approval_operator_leader >'), /does not parse/);
  });

  it('are off by default', () => {
    const manifests = render();
    assert.deepEqual(ofKind(manifests, 'PrometheusRule'), []);
    assert.equal(manifests.some((m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-dashboard')), false);
  });

  it('alert on stuck requests, failing deliveries, reconcile errors, failing retention, memory pressure and a missing leader, with valid PromQL over exported metrics', () => {
    const rule = find<{ spec: { groups: Array<{ rules: Rule[] }> }; metadata: { labels: Record<string, string> } }>(
      render(['--set', 'prometheusRule.enabled=true', '--set', 'prometheusRule.labels.release=prometheus']),
      'PrometheusRule',
    );
    assert.equal(rule.metadata.labels.release, 'prometheus');
    const rules = rule.spec.groups.flatMap((group) => group.rules);
    assert.deepEqual(rules.map((r) => r.alert), [
      'ApprovalRequestsStuckPending',
      'ApprovalNotificationDeliveryFailing',
      'ApprovalNotificationsGivenUp',
      'ApprovalReconcileErrors',
      'ApprovalRetentionFailing',
      'ApprovalOperatorMemoryPressure',
      'ApprovalOperatorNoLeader',
    ]);
    for (const r of rules) {
      assertParses(r.expr);
      for (const name of metricsIn(r.expr)) assert.ok(metrics.has(name), `${r.alert} reads ${name}, which the operator does not export`);
      assert.match(r.labels.severity, /^(warning|critical)$/);
      assert.ok(r.annotations.summary && r.annotations.description, `${r.alert} says what is wrong`);
    }
    assert.match(rules[0]!.expr, /> 259200$/, 'the stuck threshold comes from the values');
  });

  it('ship a Grafana dashboard whose panels query exported metrics with valid PromQL', () => {
    const configMap = find<{ metadata: { labels: Record<string, string> }; data: Record<string, string> }>(
      render(['--set', 'grafanaDashboard.enabled=true']).filter((m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-dashboard')),
      'ConfigMap',
    );
    assert.equal(configMap.metadata.labels.grafana_dashboard, '1');
    const dashboard = JSON.parse(configMap.data['approval-operator.json']!) as { uid: string; panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    assert.equal(dashboard.uid, 'approval-operator');
    assert.ok(dashboard.panels.length >= 8);
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        assertParses(target.expr.replace(/\$namespace/g, 'x'));
        for (const name of metricsIn(target.expr)) assert.ok(metrics.has(name), `panel "${panel.title}" reads ${name}, which the operator does not export`);
      }
    }
  });

  it('refuse values of the wrong shape (values.schema.json)', () => {
    assert.throws(() => render(['--set', 'prometheusRule.stuckPendingSeconds=soon']), /stuckPendingSeconds/);
  });
});
