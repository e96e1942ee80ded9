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

export interface ProjectDetail extends Project {
  draft: Proposal | null;
  live: { stage: string; openDeadlines?: { kind: string; dueAt: string; who: string }[] } | null;
}

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

// Contests (公益创投): hand-written shapes of the contest answers (api/contests/, api/contest-entries/, api/contest-judging/ now declare them; swap for the generated types).

export interface ContestCriterion {
  key: string;
  name: string;
  weight: number;
  minScore: number;
  maxScore: number;
}

export interface ContestRound {
  key: string;
  name: string;
  kind: 'online' | 'roadshow';
  criteria: ContestCriterion[];
  judgesPerEntry: number;
  judgingDeadline: string;
  topNPerTrack?: number;
  state: { index: number; openedAt: string; deadlineAt: string; closedAt: string | null; rankingId: string | null } | null;
}

export interface Contest {
  id: string;
  name: string;
  regionId: string;
  programmeIds: string[];
  entriesCloseAt: string | null;
  tracks: { key: string; name: string }[];
  rounds: ContestRound[];
  normalisation: string;
  blind: boolean;
  matchingPoolFen: number;
  matchingCapPerEntryFen: number;
  phase: string;
  currentRound: number | null;
  finalRankingId: string | null;
  publishedAt: string | null;
  awardedAt: string | null;
  createdAt: string;
  entryCounts?: Record<string, number>;
  allowedMoves: string[];
  youRunIt?: boolean;
  youJudgeIt?: boolean;
}

export interface ContestEntry {
  id: string;
  contestId: string;
  projectId?: string;
  organisationName?: string;
  trackKey: string;
  title: string;
  amountAskedFen: number;
  status: string;
  rank?: number | null;
  score?: number | null;
  subscribedFen: number;
  matchingFen: number;
  remainingNeedFen: number;
  submittedAt: string;
}

export interface ContestJudges {
  roundKey: string | null;
  deadlineAt: string | null;
  items: { userId: string; displayName: string; organisationName: string | null; assigned: number; scored: number; missing: number }[];
}

export interface ContestAssignment {
  roundKey: string;
  roundIndex: number;
  roundClosed: boolean;
  judgeId: string;
  status: string;
  dueAt: string;
  entry: ContestEntry;
  sheet: { scores: Record<string, number>; comment: string | null; total: number } | null;
}

export interface RankingRow {
  rank: number;
  trackRank: number;
  trackKey: string;
  score: number;
  roundKey: string;
  entryId: string;
  projectId: string;
  title: string;
  organisationName: string;
  amountAskedFen: number;
}

export interface Ranking {
  id: string;
  publishedAt: string | null;
  overall: RankingRow[];
}

/** The programme rules the project page's forms read (their dimension and indicator names). */
export interface WeightedItem {
  key: string;
  name: string;
  weight: number;
  /** Evaluation indicators only: scored from the service loop's drawn figure when the project has one. */
  drawnFrom?: 'satisfaction' | 'coverage';
}
