/**
 * Sets `key` as the most recently used entry of a Map kept in use order (a Map iterates in
 * insertion order), dropping the least recently used entry past `capacity`.
 */
export function setMostRecent<K, V>(map: Map<K, V>, key: K, value: V, capacity: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > capacity) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}
