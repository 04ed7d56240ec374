// The informer's local copy of the watched objects, keyed like the work queue. An object can be
// held whole or as a summary: a small flat record of the few fields its kind still reads (a
// settled request or Approval costs about 250 bytes instead of a few kilobytes), which is
// what lets the operator hold a year of them (docs/memory.md). Under memory pressure an object
// that is still owed work is held as a summary too, marked evicted: whoever works on it reads it
// whole from the API server. `get` returns whole objects only and a summary has another type, so
// code that needs an object's content never works from a summary by mistake.
import { objectKey, type KubeObject } from './resource.ts';

/** What the cache and the informer read of every summary. */
export interface Summary {
  readonly resourceVersion: string | undefined;
}

/** How an object is held when not whole. */
export interface CompactForm<S extends Summary> {
  summary: S;
  /** Still owed work: read it whole from the API server to work on it. */
  evicted?: boolean;
}

export class ObjectCache<T extends KubeObject, S extends Summary = Summary> {
  private readonly whole = new Map<string, T>();
  private readonly summaries = new Map<string, S>();
  private readonly evicted = new Set<string>();

  /** The whole object; undefined when absent or held only as a summary. */
  get(key: string): T | undefined {
    return this.whole.get(key);
  }

  /** The summary; undefined when absent or held whole. */
  summary(key: string): S | undefined {
    return this.summaries.get(key);
  }

  has(key: string): boolean {
    return this.whole.has(key) || this.summaries.has(key);
  }

  /** The resourceVersion held, whole or summarised. */
  versionOf(key: string): string | undefined {
    return this.whole.get(key)?.metadata.resourceVersion ?? this.summaries.get(key)?.resourceVersion;
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

  /** Every summary with its key. */
  summaryEntries(): IterableIterator<[string, S]> {
    return this.summaries.entries();
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

  /** Stores `object` whole, or in its compact form when given. */
  upsert(object: T, compact?: CompactForm<S>): void {
    const key = objectKey(object.metadata);
    if (compact) {
      const stored = flatKey(key);
      this.whole.delete(key);
      this.summaries.set(stored, compact.summary);
      if (compact.evicted) this.evicted.add(stored);
      else this.evicted.delete(key);
      return;
    }
    this.summaries.delete(key);
    this.evicted.delete(key);
    this.whole.set(key, object);
  }

  /** Holds every whole object for which `compact` gives a form in that form instead (memory pressure). */
  recompact(compact: (object: T) => CompactForm<S> | undefined): number {
    let count = 0;
    for (const object of [...this.whole.values()]) {
      const form = compact(object);
      if (!form) continue;
      this.upsert(object, form);
      count++;
    }
    return count;
  }

  /** Forgets the object; returns it when it was held whole. */
  remove(key: string): T | undefined {
    const old = this.whole.get(key);
    this.whole.delete(key);
    this.summaries.delete(key);
    this.evicted.delete(key);
    return old;
  }
}

/**
 * The key as one flat string. A key joined from namespace and name is a V8 cons string, which
 * once hashed keeps a flat copy besides itself: about 130 bytes per key instead of 78. Summaries
 * are kept for a year, so their keys are flattened; normalize() returns a flat copy (the keys
 * are ASCII, so normalizing changes nothing else).
 */
function flatKey(key: string): string {
  return key.normalize();
}
