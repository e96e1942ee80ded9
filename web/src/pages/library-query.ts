import { answer, api } from '../api/client';
import type { paths } from '../api/schema';

/** The library's filters: the list operation's query without its paging. */
export type Filters = Omit<NonNullable<paths['/api/v1/projects']['get']['parameters']['query']>, 'limit' | 'cursor'>;

export const LIBRARY_PAGE_SIZE = 20;

/** One page of the library: the page's query and the first page the console asks for while it starts share it. */
export function projectsPage(filters: Filters, cursor?: string) {
  return {
    queryKey: ['projects', filters, cursor] as const,
    queryFn: () => answer(api.GET('/api/v1/projects', { params: { query: { ...filters, limit: LIBRARY_PAGE_SIZE, cursor } } })),
  };
}
