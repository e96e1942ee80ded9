// A list the page needs whole (a picker's choices, a contest's entries, a worker's open orders) is read page by page,
// the API's most (100) at a time, until the last page. A city's lists are longer than one page: a thousand
// communities, over a hundred entries in Weihai's first contest, 279 organisations in Linping.

/** The API's largest page. */
export const PAGE_MOST = 100;

/** Past this many items a list stops being read (and says so): a page showing more would not be read by anyone. */
export const WHOLE_LIST_CAP = 5_000;

export interface WholeList<T> {
  items: T[];
  /** Always null: the list is whole, or cut at the cap. */
  nextCursor: null;
  /** More items were there than the cap. */
  truncated: boolean;
}

/** Follows `nextCursor` from the first page until there is none, or `cap` items are read. */
export async function allPages<T>(load: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | null }>, cap = WHOLE_LIST_CAP): Promise<WholeList<T>> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await load(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    if (!cursor) return { items, nextCursor: null, truncated: false };
    if (items.length >= cap) return { items: items.slice(0, cap), nextCursor: null, truncated: true };
  }
}
