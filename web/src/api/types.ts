import type { paths } from './schema';

// Response shapes the console reads, from the route handlers. They go away when the typed operations declare
// every 2xx schema and `npm run gen:api` puts them into schema.d.ts.

export interface Region {
  id: string;
  parentId: string | null;
  level: 'city' | 'district' | 'street' | 'community';
  name: string;
}

export interface Me {
  id: string;
  login: string;
  displayName: string;
  roles: string[];
  organisation: { id: string; name: string } | null;
  region: Region | null;
  sessionExpiresAt: string;
}

export interface Session extends Me {
  csrfToken: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Task {
  id: string;
  kind: string;
  title: string;
  projectId: string | null;
  contestId: string | null;
  dueAt: string | null;
  status: string;
  createdAt: string;
}

export interface Proposal {
  targetGroups: string[];
  objectives: { description: string; indicators: { name: string; unit: string; target: number }[] }[];
  milestones: { name: string; due: string }[];
  team: { staff: number; certifiedSocialWorkers: number; volunteers: number; lead: string };
  budgetLines: { item: string; amountFen: number }[];
  amountAskedFen: number;
  coFundingFen: number;
}

export interface Project {
  id: string;
  programmeId: string;
  organisationId: string;
  regionId: string;
  regionLevel: string;
  title: string;
  summary: string;
  targetGroups: string[];
  stage: string;
  colour: string | null;
  amountAskedFen: number;
  currentVersion: number;
  createdAt: string;
  updatedAt: string;
}

/** The project page's project: the generated answer, its draft read as a proposal (the API declares a draft loosely). */
export type ProjectDetail = Omit<paths['/api/v1/projects/{id}']['get']['responses'][200]['content']['application/json'], 'draft'> & { draft: Proposal | null };

export interface TimelineEvent {
  id: string;
  kind: string;
  actorName: string | null;
  at: string;
}

export interface Criterion {
  key: string;
  name?: string;
  weight: number;
  maxScore: number;
}

export interface Programme {
  id: string;
  name: string;
  regionId: string;
  description: string | null;
  status: string;
  rules: { review: { criteria: Criterion[]; panelSize: number }; eligibility: Record<string, unknown> } & Record<string, unknown>;
}

export interface Review {
  round: number;
  panel: { reviewerId: string | null; reviewerName: string | null; status: string; dueAt: string; total: number | null }[];
  decision: { decision: string; comment: string; decidedAt: string } | null;
}

export interface Need {
  id: string;
  category: string;
  description: string;
  targetGroup: string;
  peopleAffected: number;
}

/** The programme rules the project page's forms read (their dimension and indicator names). */
export interface WeightedItem {
  key: string;
  name: string;
  weight: number;
  /** Evaluation indicators only: scored from the service loop's drawn figure when the project has one. */
  drawnFrom?: 'satisfaction' | 'coverage';
}
