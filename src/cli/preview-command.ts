// `kubectl approval preview -f FILE [--dry-run=server]`: reads the manifest and the policies the
// caller may list, prints what would apply (preview.ts) and, with --dry-run=server, what the API
// server and the admission webhooks say to creating it. Nothing is created.
import { REQUESTED_BY_ANNOTATION, approvalPolicyResource, approvalRequestResource } from '../api/resources.ts';
import type { ApprovalPolicy, ApprovalRequest } from '../api/types.ts';
import { ApiError } from '../runtime/api-protocol.ts';
import { collectionPath, type ObjectList } from '../runtime/resource.ts';
import type { Invocation } from './args.ts';
import type { ApiClient } from './http-client.ts';
import { teamGroupPrefix } from './identity.ts';
import type { Connection } from './kube.ts';
import type { Output } from './main.ts';
import { readManifest } from './manifest.ts';
import { serialize } from './output.ts';
import { buildPreview, formatPreview, type PolicySource, type Preview } from './preview.ts';

type DryRun = { accepted: true; state: string; requestedBy?: string } | { accepted: false; error: string };

/** Returns the exit code: 1 when the server's dry run refused a request. */
export async function runPreview(connection: Connection, invocation: Extract<Invocation, { command: 'preview' }>, output: Output): Promise<number> {
  const manifest = readManifest(invocation.file);
  const cluster = await clusterPolicies(connection.client, invocation.dryRun === true);
  const results: Array<Preview & { serverDryRun?: DryRun }> = [];
  for (const request of manifest.requests) {
    const namespace = namespaceOf(request, connection.namespace, invocation.connection.namespace);
    const preview = buildPreview(request, namespace, { cluster, file: manifest.policies }, teamGroupPrefix());
    const serverDryRun = invocation.dryRun ? await dryRunCreate(connection.client, request, namespace) : undefined;
    results.push({ ...preview, ...(serverDryRun && { serverDryRun }) });
  }
  if (invocation.output === 'json' || invocation.output === 'yaml') {
    output.out(serialize(results.length === 1 ? results[0] : { kind: 'List', items: results }, invocation.output));
  } else {
    output.out(results.map((result) => formatPreview(result) + (result.serverDryRun ? dryRunText(result.serverDryRun) : '')).join('\n'));
  }
  return results.some((result) => result.serverDryRun?.accepted === false) ? 1 : 0;
}

/** The manifest's namespace, else the command's; like kubectl, a conflicting -n is an error. */
function namespaceOf(request: ApprovalRequest, fallback: string, flag: string | undefined): string {
  const own = request.metadata.namespace;
  if (own && flag && own !== flag) {
    throw new Error(`the namespace from the provided object "${own}" does not match the namespace "${flag}". You must pass '--namespace=${own}' to perform this operation.`);
  }
  return own || fallback;
}

async function clusterPolicies(client: ApiClient, dryRun: boolean): Promise<PolicySource['cluster']> {
  try {
    const list = await client.get<ObjectList<ApprovalPolicy>>(collectionPath(approvalPolicyResource));
    return { readable: true, policies: list.items };
  } catch (err) {
    // Without the kind there are no policies (and no operator to apply them).
    if (err instanceof ApiError && err.status === 404) return { readable: true, policies: [] };
    if (err instanceof ApiError && err.status === 403) {
      return {
        readable: false,
        reason:
          `you may not list approvalpolicies (${err.reason || 'Forbidden'}), so a policy in the cluster may govern this ` +
          'request instead of what is shown; ask for read access to approvalpolicies' +
          (dryRun ? '' : ', or add --dry-run=server to let the API server and the admission webhooks check it'),
      };
    }
    throw err;
  }
}

async function dryRunCreate(client: ApiClient, request: ApprovalRequest, namespace: string): Promise<DryRun> {
  try {
    const created = await client.create<ApprovalRequest>(collectionPath(approvalRequestResource, namespace), { ...request, metadata: { ...request.metadata, namespace } }, { dryRun: 'All' });
    const requestedBy = created.metadata.annotations?.[REQUESTED_BY_ANNOTATION];
    return { accepted: true, state: created.spec.state ?? 'Pending', ...(requestedBy && { requestedBy }) };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { accepted: false, error: `Error from server (${err.reason || err.status}): ${err.body?.message || err.message}` };
  }
}

function dryRunText(result: DryRun): string {
  const head = `${'Server dry run:'.padEnd(17)} `;
  if (!result.accepted) return `${head}refused (nothing was created)\n  ${result.error}\n`;
  const by = result.requestedBy ? `, requested-by ${result.requestedBy}` : '';
  return `${head}accepted by the API server and its admission webhooks (nothing was created): state ${result.state}${by}\n`;
}
