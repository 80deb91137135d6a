/**
 * The two lookups every registry table (suites, groups, signature schemes) offers: by code point,
 * and by any of its names, case-insensitive (Node and OpenSSL accept 'X25519' and 'x25519' alike).
 */
export interface TableIndex<R> {
  byId(id: number): R | undefined;
  byName(name: string): R | undefined;
}

/** `names(row)` lists every spelling of a row; a name listed twice resolves to the later row. */
export function indexTable<R extends { id: number }>(rows: readonly R[], names: (row: R) => readonly string[]): TableIndex<R> {
  const ids = new Map(rows.map((r) => [r.id, r]));
  const byName = new Map<string, R>();
  for (const r of rows) for (const n of names(r)) byName.set(n.toLowerCase(), r);
  return { byId: (id) => ids.get(id), byName: (name) => byName.get(name.toLowerCase()) };
}
