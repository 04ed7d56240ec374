// The informer's local copy of the watched objects, keyed like the work queue. An object can be
// held whole or as a compact summary (the few fields its kind's `compact` function keeps): a
// settled request or Approval costs a few hundred bytes instead of a few kilobytes, which is what
// lets the operator hold a year of them (docs/memory.md). Under memory pressure an object that is
// still owed work is held as a summary too, marked evicted: whoever works on it reads it whole
// from the API server. `get` returns whole objects only, so code that needs an object's content
// never works from a summary by mistake; `peek` returns both.
import { objectKey, type KubeObject } from './resource.ts';

/** How an object is held when not whole. */
export interface CompactForm<T> {
  summary: T;
  /** Still owed work: read it whole from the API server to work on it. */
  evicted?: boolean;
}

export class ObjectCache<T extends KubeObject> {
  private readonly whole = new Map<string, T>();
  private readonly summaries = new Map<string, T>();
  private readonly evicted = new Set<string>();

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

  /** Held as a summary although still owed work (memory pressure). */
  isEvicted(key: string): boolean {
    return this.evicted.has(key);
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

  get evictedSize(): number {
    return this.evicted.size;
  }

  /** Stores `object` (whole, or in its compact form when given) and returns what was there before. */
  upsert(object: T, compact?: CompactForm<T>): T | undefined {
    const key = objectKey(object.metadata);
    const old = this.peek(key);
    if (compact) {
      this.whole.delete(key);
      this.summaries.set(key, compact.summary);
      if (compact.evicted) this.evicted.add(key);
      else this.evicted.delete(key);
    } else {
      this.summaries.delete(key);
      this.evicted.delete(key);
      this.whole.set(key, object);
    }
    return old;
  }

  /** Holds every whole object for which `compact` gives a form in that form instead (memory pressure). */
  recompact(compact: (object: T) => CompactForm<T> | undefined): number {
    let count = 0;
    for (const object of [...this.whole.values()]) {
      const form = compact(object);
      if (!form) continue;
      this.upsert(object, form);
      count++;
    }
    return count;
  }

  remove(object: KubeObject): T | undefined {
    const key = objectKey(object.metadata);
    const old = this.peek(key);
    this.whole.delete(key);
    this.summaries.delete(key);
    this.evicted.delete(key);
    return old;
  }
}
