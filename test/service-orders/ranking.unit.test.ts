import { availableAt, rankCandidates, type Candidate } from '../../workflows/service-order/ranking';

const community = 'c1';
// 2026-12-07 is a Monday; 02:00Z is 10:00 in Shanghai.
const mondayTen = '2026-12-07T02:00:00Z';
const base: Candidate = { id: 'x', skills: ['companionship'], communityIds: [community], availability: [{ weekday: 1, from: '09:00', to: '12:00' }], openOrders: 0 };

test('when the window starts inside a declared Shanghai slot, the volunteer is available; an hour after it, not', () => {
  expect(availableAt(base.availability, mondayTen)).toBe(true);
  expect(availableAt(base.availability, '2026-12-07T04:00:00Z')).toBe(false);
  expect(availableAt(base.availability, '2026-12-08T02:00:00Z')).toBe(false);
});

test('when candidates differ, skill match ranks first, then the same community, then availability, then the lighter load', () => {
  const c = (id: string, o: Partial<Candidate>): Candidate => ({ ...base, id, ...o });
  const ranked = rankCandidates(
    [
      c('busy', { openOrders: 3 }),
      c('free', { openOrders: 0 }),
      c('unavailable', { availability: [] }),
      c('elsewhere', { communityIds: ['c2'] }),
      c('unskilled', { skills: ['cooking'] }),
    ],
    { skills: ['companionship'], communityId: community, windowFrom: mondayTen },
  );
  expect(ranked.map((r) => r.id)).toEqual(['free', 'busy', 'unavailable', 'elsewhere', 'unskilled']);
  expect(ranked[4]).toMatchObject({ skillMatch: 0, sameCommunity: true });
});
