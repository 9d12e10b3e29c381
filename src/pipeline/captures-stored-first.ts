import type { Store } from '../ports.js';

/**
 * The store as the pipeline writes to it when WARC files go to the store whole
 * (contract section 12): a record, or a target's outcome in the index (which another
 * machine's record may reuse), is written only once every WARC file it names is in
 * the WARC store, so no machine reads "archived" for a capture it cannot read.
 * `stored` is the WARC writer's wait (it closes the file at once when a record
 * waits on the open one). Everything else of the store passes through unchanged.
 */
export function capturesStoredFirst(store: Store, stored: (files: Iterable<string>) => Promise<void>): Store {
  const documents = overriding(store.documents, {
    write: async (...[record, options]: Parameters<Store['documents']['write']>) => {
      await stored(warcFilesNamedIn(record));
      await store.documents.write(record, options);
    },
  });
  const targets = overriding(store.targets, {
    put: async (entry: Parameters<Store['targets']['put']>[0]) => {
      await stored(warcFilesNamedIn(entry));
      await store.targets.put(entry);
    },
  });
  return overriding(store, { documents, targets });
}

/** Every `warc.file` in a record or an index entry, wherever in it a capture sits. */
export function warcFilesNamedIn(value: unknown): Set<string> {
  const files = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        const file: unknown =
          key === 'warc' && child !== null && typeof child === 'object' ? Reflect.get(child, 'file') : undefined;
        if (typeof file === 'string') files.add(file);
        else visit(child);
      }
    }
  };
  visit(value);
  return files;
}

/** `target` with some members replaced; every other member read from it (methods bound to it, so private fields work). */
function overriding<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) return (overrides as Record<PropertyKey, unknown>)[property];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}
