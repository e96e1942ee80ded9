import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Stage } from './stages';
import type { Colour } from './rules/colour';
import type { EvaluationGrade } from './rules/evaluation';
import type { ProgrammeRules } from './rules/programme-rules';
import type { Message } from '../i18n/message';

// ---- the project lifecycle --------------------------------------------------------------------

export interface ProjectInput {
  projectId: string;
  programmeId: string;
  organisationId: string;
  regionPath: string;
  rules: ProgrammeRules;
  /** Updates one run handles before continuing as new (default MAX_UPDATES_PER_RUN; tests use a few). */
  maxUpdatesPerRun?: number;
  /** Carried across continue-as-new. */
  state?: ProjectState;
}

export interface PanelSeat {
  reviewerId: string;
  dueAt: string;
  remindAt: string | null;
  reminded: boolean;
  lateNotified: boolean;
  scored: boolean;
  total: number | null;
}

export interface ReportDue {
  period: number;
  periodStart: string;
  dueAt: string;
  submitted: boolean;
  overdue: boolean;
  /** The period has ended and the applicant was reminded (runs since the inbox follows pending actions). */
  reminded?: boolean;
}

export interface Rectification {
  id: string;
  cause: 'red_grade' | 'failed_evaluation';
  dueAt: string;
  planned: boolean;
  overdueNotified: boolean;
}

export interface EvaluationSeat {
  evaluatorId: string;
  submitted: boolean;
  grade: EvaluationGrade | null;
  /** Each final evaluation ordered again after a rectification is a new round (absent: round 1). */
  round?: number;
}

/** The quarterly reviews the programme's rules schedule: how many quarters have ended, and those not yet held. */
export interface QuarterlyReviews {
  scheduled: number;
  due: { seq: number; dueAt: string }[];
}

export interface AgreementTerms {
  amountFen: number;
  startDate: string; // YYYY-MM-DD
  endDate: string;
  tranches: { name: string; amountFen: number; releaseOn: string }[];
  fundingSources: { funderOrganisationId: string | null; name: string; kind: 'government' | 'cash' | 'goods' | 'services'; valueFen: number }[];
}

/**
 * The facts a completed rectification answered (the colour's inputs when it was accepted): a red grade resting only on
 * these, no worse than they were, does not open another rectification; a new fact does.
 */
export interface AnsweredFacts {
  overdueReports: number;
  spendingDeviationPct: number;
  indicatorLagPct: number;
  complaints: number;
  supervisionIndex: number | null;
}

/** A rectification plan may re-plan what made the project red: cumulative spending by date, and indicator targets. */
export interface RevisedPlan {
  spendingPlan?: { on: string; cumulativeFen: number }[];
  indicatorTargets?: { name: string; target: number }[];
}

/**
 * A contest funded the project only in part: the applicant re-scopes the budget to the award or declines it, by
 * `dueAt` (after which it counts as declined). The award's agreement waits here until then.
 */
export interface Rescoping {
  contestId: string;
  amountAskedFen: number;
  awardedFen: number;
  dueAt: string;
  agreement: AgreementTerms;
}

export interface BudgetLine {
  item: string;
  amountFen: number;
}

export interface ProjectState {
  stage: Stage;
  version: number;
  colour: Colour;
  /** In English; the API answers `colourReasonMessages` rendered in the reader's language instead when there are. */
  colourReasons: string[];
  /** The reasons as catalogue messages; absent in results recorded before reasons had keys. Never sent as such. */
  colourReasonMessages?: Message[];
  panel: PanelSeat[];
  revisionDueAt: string | null;
  contestId: string | null;
  agreement: {
    startDate: string; endDate: string; amountFen: number; finalTrancheFen: number; reportsFrom: string;
    /** The programme's zone the report months follow (agreements signed since reports follow it; absent: UTC steps). */
    reportZone?: string;
  } | null;
  /** Reports come due one period at a time: the outstanding ones and the next. */
  reports: ReportDue[];
  submittedPeriods: number[];
  complaints: number;
  supervisionIndex: number | null;
  rectification: Rectification | null;
  evaluations: { mid_term: EvaluationSeat | null; final: EvaluationSeat | null };
  /** Absent in runs started before rectifications answered facts. */
  answeredFacts?: AnsweredFacts | null;
  /** Absent in runs that started before quarterly reviews were scheduled. */
  quarterlyReviews?: QuarterlyReviews;
  /** A partial award waiting for the applicant (stage `rescoping`); absent in runs from before partial awards waited. */
  rescoping?: Rescoping | null;
}

/** What the query answers: the live state plus what waits for whom. */
export interface ProjectView extends ProjectState {
  projectId: string;
  openDeadlines: { kind: string; dueAt: string; who: string }[];
  pendingActions: { action: string; who: string }[];
}

export interface Actor {
  actorId: string;
}

export const getState = defineQuery<ProjectView>('getState');

/** What a new project's rows hold; its workflow writes them (update-with-start), so rows and workflow come together. */
export interface NewProject {
  programmeId: string;
  organisationId: string;
  region: { id: string; level: string; path: string };
  title: string;
  summary: string;
  targetGroups: string[];
  amountAskedFen: number;
  draft: unknown;
  needIds: string[];
  requestId: string | null;
}
/** The first update of a project's workflow, sent with its start: writes the project's rows. */
export const createProject = defineUpdate<ProjectView, [Actor & { project: NewProject }]>('createProject');

export const submitDesign = defineUpdate<ProjectView, [Actor]>('submitDesign');
export const assignPanel = defineUpdate<ProjectView, [Actor & { reviewerIds: string[] }]>('assignPanel');
export const reassignReviewer = defineUpdate<ProjectView, [Actor & { fromReviewerId: string; toReviewerId: string }]>('reassignReviewer');
export const submitReviewScore = defineUpdate<ProjectView, [Actor & { scores: Record<string, number>; comments: string }]>('submitReviewScore');
export const decideReview = defineUpdate<ProjectView, [Actor & { decision: 'approve' | 'revise' | 'reject'; comment: string }]>('decideReview');
export const withdrawProject = defineUpdate<ProjectView, [Actor & { reason: string }]>('withdrawProject');

/** The entry's row, when given, is written in the same transaction as the move (contest entry made durable). */
export interface ContestEntryInput {
  trackKey: string;
  organisationId: string;
  amountAskedFen: number;
  requestId: string | null;
}
export const enterContest = defineUpdate<ProjectView, [Actor & { contestId: string; entry?: ContestEntryInput }]>('enterContest');
export const leaveContest = defineUpdate<ProjectView, [Actor & { contestId: string; reason: string }]>('leaveContest');
/**
 * The award: with `amountAskedFen` above the agreement's amount (a partial award), the project waits in `rescoping`
 * for `rescopingDeadline` (ISO 8601, default P14D) instead of going to delivery.
 */
export const awardContest = defineUpdate<ProjectView, [Actor & { contestId: string; agreement: AgreementTerms; amountAskedFen?: number; rescopingDeadline?: string }]>('awardContest');
/** The applicant accepts the partial award with budget lines that add up to it: delivery starts with that budget. */
export const acceptRescoping = defineUpdate<ProjectView, [Actor & { budgetLines: BudgetLine[]; note?: string }]>('acceptRescoping');
/** The applicant declines the partial award: the project goes back to the library and the money back to the pool. */
export const declineRescoping = defineUpdate<ProjectView, [Actor & { reason: string }]>('declineRescoping');
export const fundDirectly = defineUpdate<ProjectView, [Actor & { agreement: AgreementTerms }]>('fundDirectly');

export interface ServiceRecordInput {
  id: string;
  activity: string;
  heldOn: string;
  /** HH:MM, local time the shift began: with the project, volunteer and date, the record's natural key. */
  startTime?: string;
  place: string;
  peopleServed: number;
  volunteers: { volunteerId: string; hours: number }[];
}
export const recordServiceRecord = defineUpdate<ProjectView, [Actor & { record: ServiceRecordInput }]>('recordServiceRecord');
export const recordSpending = defineUpdate<ProjectView, [Actor & { entry: { id: string; budgetItem: string; amountFen: number; spentOn: string; note: string } }]>('recordSpending');
export const completeMilestone = defineUpdate<ProjectView, [Actor & { seq: number; note: string }]>('completeMilestone');
export const submitMonthlyReport = defineUpdate<ProjectView, [Actor & { period: number; summary: string; indicatorProgress: { name: string; achieved: number }[] }]>('submitMonthlyReport');
export const recordSupervisionVisit = defineUpdate<ProjectView, [Actor & { visit: { id: string; visitedOn: string; scores: Record<string, number>; notes: string } }]>('recordSupervisionVisit');
export const recordComplaint = defineUpdate<ProjectView, [Actor & { complaint: { id: string; receivedOn: string; description: string } }]>('recordComplaint');
export const recordQuarterlyReview = defineUpdate<ProjectView, [Actor & { review: { id: string; quarter: string; heldOn: string; notes: string; attendees: string[] } }]>('recordQuarterlyReview');
export const submitRectificationPlan = defineUpdate<ProjectView, [Actor & { plan: string } & RevisedPlan]>('submitRectificationPlan');
export const completeRectification = defineUpdate<ProjectView, [Actor & { note: string }]>('completeRectification');

export type EvaluationKind = 'mid_term' | 'final';
export const assignEvaluator = defineUpdate<ProjectView, [Actor & { kind: EvaluationKind; evaluatorId: string }]>('assignEvaluator');
/** What an indicator drawn from the service loop was scored, against its drawn figure, and why they differ. */
export interface DrawnFigureScore { figure: 'satisfaction' | 'coverage'; drawn: number; given: number; reason: string | null }
export const submitEvaluation = defineUpdate<ProjectView, [Actor & { kind: EvaluationKind; scores: Record<string, number>; comments: string; drawnFigures?: Record<string, DrawnFigureScore> }]>('submitEvaluation');
export const closeProject = defineUpdate<ProjectView, [Actor & { finalReport: string }]>('closeProject');
export const orderRectification = defineUpdate<ProjectView, [Actor & { reason: string }]>('orderRectification');
/** Ends the project for good (终止) from any stage but an ended one: open tasks close, unreleased tranches are held. */
export const terminateProject = defineUpdate<ProjectView, [Actor & { reason: string }]>('terminateProject');

// ---- the venture contest ----------------------------------------------------------------------
import type { ContestMove, ContestPhase } from './contest-rules/phases';
import type { ContestSettings } from './contest-rules/settings';

export interface ContestInput {
  contestId: string;
  /** Carried across continue-as-new. */
  state?: ContestState;
}

export interface ContestRoundState {
  index: number;
  key: string;
  openedAt: string;
  deadlineAt: string;
  remindAt: string | null;
  reminded: boolean;
  lateNotified: boolean;
  closedAt: string | null;
  rankingId: string | null;
}

/** What the contest workflow holds: the phase, the deadlines and the decisions; entries, sheets and pledges live in PostgreSQL. */
export interface ContestState {
  phase: ContestPhase;
  /** Frozen when entries open. */
  settings: ContestSettings | null;
  entriesCloseAt: string | null;
  entriesClosedAt: string | null;
  rounds: ContestRoundState[];
  currentRound: number | null;
  /** The final ranking snapshot (set when the last round closes) and when it was published. */
  rankingId: string | null;
  publishedAt: string | null;
  award: {
    decidedAt: string;
    awardedEntryIds: string[];
    notAwardedEntryIds: string[];
    subscribedFen: number;
    matchingFen: number;
    projectsMoved: number;
    projectMoveFailures: { entryId: string; error: string }[];
  } | null;
  cancelled: { at: string; reason: string } | null;
  /**
   * The decided entries' projects still to move after the moves failed past their retries (marker
   * `contest-moves-resume`): the timer loop moves them from `retryAt` on. Absent in runs from before.
   */
  movesPending?: { actorId: string; reason: string; retryAt: string } | null;
}

export interface ContestView extends Omit<ContestState, 'movesPending'> {
  contestId: string;
  allowedMoves: ContestMove[];
  openDeadlines: { kind: string; dueAt: string }[];
}

export const getContestState = defineQuery<ContestView>('getContestState');

export const openEntries = defineUpdate<ContestView, [Actor]>('openEntries');
export const closeEntries = defineUpdate<ContestView, [Actor]>('closeEntries');
export const startJudging = defineUpdate<ContestView, [Actor]>('startJudging');
/** `allowMissing` closes the round although some assigned sheets are missing (those judges simply do not count). */
export const closeRound = defineUpdate<ContestView, [Actor & { allowMissing?: boolean }]>('closeRound');
export const publishRanking = defineUpdate<ContestView, [Actor]>('publishRanking');
/** Allocates the matching pool, decides the awards and moves every entry's project: awarded ones to delivery, the rest back to the library. */
export const awardEntries = defineUpdate<ContestView, [Actor & { startDate: string; endDate: string; finalTranchePercent: number }]>('awardEntries');
export const closeContest = defineUpdate<ContestView, [Actor]>('closeContest');
export const cancelContest = defineUpdate<ContestView, [Actor & { reason: string }]>('cancelContest');
