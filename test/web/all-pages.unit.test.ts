import { allPages } from '../../web/src/lib/all-pages';

// The console's reading of a list whole: every page in turn, the cursor of each passed to the next, and a cut at the cap.
function pages(total: number, size: number) {
  const asked: (string | undefined)[] = [];
  const load = async (cursor: string | undefined) => {
    asked.push(cursor);
    const from = cursor ? Number(cursor) : 0;
    const items = Array.from({ length: Math.min(size, total - from) }, (_, i) => from + i);
    return { items, nextCursor: from + size < total ? String(from + size) : null };
  };
  return { asked, load };
}

test('reads every page, passing each page\'s cursor to the next', async () => {
  const { asked, load } = pages(250, 100);
  const list = await allPages(load);
  expect(list.items).toEqual(Array.from({ length: 250 }, (_, i) => i));
  expect(asked).toEqual([undefined, '100', '200']);
  expect(list).toMatchObject({ nextCursor: null, truncated: false });
});

test('one page with no next cursor is one call', async () => {
  const { asked, load } = pages(7, 100);
  expect((await allPages(load)).items).toHaveLength(7);
  expect(asked).toEqual([undefined]);
});

test('stops at the cap and says the list was cut', async () => {
  const { asked, load } = pages(1_000, 100);
  const list = await allPages(load, 250);
  expect(list.items).toHaveLength(250);
  expect(list.truncated).toBe(true);
  expect(asked).toHaveLength(3);
});

test('a list exactly the cap long is whole', async () => {
  const { load } = pages(200, 100);
  expect(await allPages(load, 200)).toMatchObject({ truncated: false });
});
