/**
 * Keys beginning with "_" in a config object (`_comment` and the like) are notes for people:
 * the original Python tool ignores them, so its configs carry them. They are dropped before
 * validation, so a strict schema still refuses every other unknown key by name.
 */
export function dropNoteKeys(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith("_")));
}
