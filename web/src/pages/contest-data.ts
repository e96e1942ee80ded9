import { useQuery, useQueryClient } from '@tanstack/react-query';
import { answer, api } from '../api/client';
import { allPages, PAGE_MOST } from '../lib/all-pages';

// What the contest page and its parts (judging, funding, results) share: the loaders, their types, and the live refresh.

const loadContest = (id: string) => answer(api.GET('/api/v1/contests/{id}', { params: { path: { id } } }));
export type Contest = Awaited<ReturnType<typeof loadContest>>;
const loadEntries = (id: string) => allPages((cursor) => answer(api.GET('/api/v1/contests/{id}/entries', { params: { path: { id }, query: { limit: PAGE_MOST, cursor } } })));
export type ContestEntry = Awaited<ReturnType<typeof loadEntries>>['items'][number];

/** Every few seconds while the funding race is on, so funders and the organiser watch it happen. */
const LIVE_MS = 5_000;
export const live = (phase: string | undefined) => (phase === 'funding' ? LIVE_MS : false);

export function useContest(id: string) {
  return useQuery({ queryKey: ['contest', id], queryFn: () => loadContest(id), refetchInterval: (q) => live(q.state.data?.phase) });
}

export function useEntries(contest: Contest, enabled = true) {
  return useQuery({ queryKey: ['contest', contest.id, 'entries'], enabled, queryFn: () => loadEntries(contest.id), refetchInterval: live(contest.phase) });
}

export function useInvalidateContest(id: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] === 'contest' && q.queryKey[1] === id });
}

/** The phase a person reads: a cancelled contest ends as `closed` in the workflow, but it is 已取消, not 已结束. */
export const shownPhase = (c: { phase: string; cancelled: unknown }): string => (c.cancelled ? 'cancelled' : c.phase);

export const byRank = (a: ContestEntry, b: ContestEntry) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.submittedAt.localeCompare(b.submittedAt);
