/**
 * Past `limit` entries, forgets the one added first (Sets and Maps keep insertion
 * order): how each per-process memory of the data dir stays bounded.
 */
export function forgetOldest(collection: Set<string> | Map<string, unknown>, limit: number): void {
  if (collection.size > limit) collection.delete(collection.keys().next().value ?? '');
}
