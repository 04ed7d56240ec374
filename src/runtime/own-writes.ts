// The resourceVersions a reconciler wrote itself. After a reconcile writes, the watch event of
// that write may arrive later than the next reconcile of the key (which another event queued
// meanwhile, e.g. an Approval change for its request). That reconcile would act on the older
// object in the cache: the ApprovalRequest reconciler would report the same transition again — a
// second set of Notifications, an Event refused as AlreadyExists and a repeated status write
// (`make bench`, S5). So a reconcile whose cached object is older than the key's own last write
// waits for that write's watch event (the state reconcilers), or reads the live object (delivery,
// which must never send twice).
//
// resourceVersions are compared as integers, as client-go's MutationCache does; one that is not
// an integer (another storage than etcd) disables the check for that key.
export class OwnWrites {
  private readonly written = new Map<string, bigint>();

  /** Records the resourceVersion a write of `key` returned. */
  remember(key: string, resourceVersion: string | undefined): void {
    const version = parseVersion(resourceVersion);
    if (version === undefined) return;
    const known = this.written.get(key);
    if (known === undefined || version > known) this.written.set(key, version);
  }

  /** Whether the cached object of `key` is older than what this reconciler last wrote to it. */
  isBehind(key: string, cachedResourceVersion: string | undefined): boolean {
    const written = this.written.get(key);
    if (written === undefined) return false;
    const cached = parseVersion(cachedResourceVersion);
    if (cached !== undefined && cached < written) return true;
    this.written.delete(key);
    return false;
  }

  forget(key: string): void {
    this.written.delete(key);
  }

  get size(): number {
    return this.written.size;
  }
}

function parseVersion(resourceVersion: string | undefined): bigint | undefined {
  return resourceVersion && /^\d{1,30}$/.test(resourceVersion) ? BigInt(resourceVersion) : undefined;
}
