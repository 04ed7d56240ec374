// The informer's local copy of the watched objects, keyed like the work queue.
import { objectKey, type KubeObject } from './resource.ts';

export class ObjectCache<T extends KubeObject> {
  private readonly objects = new Map<string, T>();

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  list(namespace?: string): T[] {
    const all = [...this.objects.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  keys(): string[] {
    return [...this.objects.keys()];
  }

  get size(): number {
    return this.objects.size;
  }

  /** Stores `object` and returns what was there before. */
  upsert(object: T): T | undefined {
    const key = objectKey(object.metadata);
    const old = this.objects.get(key);
    this.objects.set(key, object);
    return old;
  }

  remove(object: KubeObject): T | undefined {
    const key = objectKey(object.metadata);
    const old = this.objects.get(key);
    this.objects.delete(key);
    return old;
  }
}
