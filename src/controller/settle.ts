// Independent writes of one reconcile run side by side (`make bench`, S2: the status write then
// waits for their longest path, not their sum). Unlike Promise.all, which rejects while the others
// still run, this waits for all of them, so a reconcile never leaves writes running behind it.

/** Waits for every promise; then rejects with the first failure, if any, else resolves with all values. */
export async function allSettledOrThrow<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
