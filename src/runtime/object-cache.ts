// The informer's local copy of the watched objects, keyed like the work queue. An object can be
// held whole or as a compact summary (the few fields its kind's `compact` function keeps): a
// settled request or Approval costs a few hundred bytes instead of a few kilobytes, which is what
// lets the operator hold a year of them (docs/memory.md). `get` returns whole objects only, so
// code that needs an object's content never works from a summary by mistake; `peek` returns both.
import { objectKey, type KubeObject } from './resource.ts';

export class ObjectCache<T extends KubeObject> {
  private readonly whole = new Map<string, T>();
  private readonly summaries = new Map<string, T>();

  /** The whole object; undefined when absent or held only as a summary. */
  get(key: string): T | undefined {
    return this.whole.get(key);
  }

  /** The whole object or its summary. */
  peek(key: string): T | undefined {
    return this.whole.get(key) ?? this.summaries.get(key);
  }

  isCompact(key: string): boolean {
    return this.summaries.has(key);
  }

  /** Whole objects only (summaries have no content to work from). */
  list(namespace?: string): T[] {
    const all = [...this.whole.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  /** Every entry, whole or summary (e.g. to count objects by state). */
  *entries(): IterableIterator<T> {
    yield* this.whole.values();
    yield* this.summaries.values();
  }

  keys(): string[] {
    return [...this.whole.keys(), ...this.summaries.keys()];
  }

  compactKeys(): IterableIterator<string> {
    return this.summaries.keys();
  }

  get size(): number {
    return this.whole.size + this.summaries.size;
  }

  get compactSize(): number {
    return this.summaries.size;
  }

  /** Stores `object` (whole, or as `summary` when given) and returns what was there before. */
  upsert(object: T, summary?: T): T | undefined {
    const key = objectKey(object.metadata);
    const old = this.peek(key);
    if (summary) {
      this.whole.delete(key);
      this.summaries.set(key, summary);
    } else {
      this.summaries.delete(key);
      this.whole.set(key, object);
    }
    return old;
  }

  remove(object: KubeObject): T | undefined {
    const key = objectKey(object.metadata);
    const old = this.peek(key);
    this.whole.delete(key);
    this.summaries.delete(key);
    return old;
  }
}
