import { api, unwrap } from '../api/client';
import type { Page, Project } from '../api/types';

export type Stage = 'design' | 'review' | 'revision' | 'approved' | 'in_contest' | 'rescoping' | 'delivery' | 'rectification' | 'evaluation' | 'closed' | 'rejected' | 'withdrawn' | 'terminated';
export type Colour = 'green' | 'blue' | 'yellow' | 'red';
export type TargetGroup = 'elderly' | 'children' | 'new_employment_workers' | 'migrants' | 'people_with_disabilities' | 'women_and_families' | 'others';

export interface Filters {
  regionId?: string;
  stage?: Stage[];
  colour?: Colour[];
  programmeId?: string;
  targetGroup?: TargetGroup;
  q?: string;
}

export const LIBRARY_PAGE_SIZE = 20;

/** One page of the library: the page's query and the first page the console asks for while it starts share it. */
export function projectsPage(filters: Filters, cursor?: string) {
  return {
    queryKey: ['projects', filters, cursor] as const,
    queryFn: () => unwrap<Page<Project>>(api.GET('/api/v1/projects', { params: { query: { ...filters, limit: LIBRARY_PAGE_SIZE, cursor } } })),
  };
}
