import type { Knex } from 'knex';
import type { AgreementTerms, BudgetLine, EvaluationKind, RevisedPlan, ServiceRecordInput } from '../workflows/messages';
import type { Stage } from '../workflows/stages';
import type { Colour } from '../workflows/rules/colour';
import type { ColourRules } from '../workflows/rules/programme-rules';

import type { TaskSpec } from '../db/repositories/tasks';

export type { TaskSpec };

/** A contest entry written with the project's move into the contest, in the same transaction. */
export interface ContestEntryWrite {
  op: 'contestEntry';
  contestId: string;
  trackKey: string;
  organisationId: string;
  amountAskedFen: number;
  requestId: string | null;
}

/** The document a lifecycle event writes besides the event itself; each op belongs to one feature's activities. */
export type ProjectWrite =
  | { op: 'designVersion'; version: number }
  | { op: 'panel'; round: number; reviewerIds: string[]; dueAt: string }
  | { op: 'reassign'; round: number; from: string; to: string; dueAt: string }
  | { op: 'reviewScore'; round: number; reviewerId: string; scores: Record<string, number>; comments: string; total: number }
  | { op: 'reviewDecision'; round: number; decision: string; comment: string; scoreSheet: unknown; revisionDueAt: string | null }
  | ContestEntryWrite
  | { op: 'agreement'; terms: AgreementTerms }
  | { op: 'rescopingOpen'; contestId: string; amountAskedFen: number; awardedFen: number; dueAt: string }
  | { op: 'rescopingAccept'; contestId: string; version: number; awardedFen: number; budgetLines: BudgetLine[]; terms: AgreementTerms }
  | { op: 'rescopingDecline'; contestId: string; awardedFen: number; reason: string; expired: boolean }
  | { op: 'serviceRecord'; record: ServiceRecordInput }
  | { op: 'spending'; entry: { id: string; budgetItem: string; amountFen: number; spentOn: string; note: string } }
  | { op: 'milestoneDone'; seq: number; note: string }
  | { op: 'monthlyReport'; period: number; summary: string; indicatorProgress: { name: string; achieved: number }[]; late: boolean }
  | { op: 'supervisionVisit'; visit: { id: string; visitedOn: string; scores: Record<string, number>; notes: string }; supervisionIndex: number }
  | { op: 'complaint'; complaint: { id: string; receivedOn: string; description: string } }
  | { op: 'quarterlyReview'; review: { id: string; quarter: string; heldOn: string; notes: string; attendees: string[] } }
  | { op: 'rectificationOpen'; id: string; cause: string; reason: string; dueAt: string; reopenFinalEvaluation?: boolean }
  | ({ op: 'rectificationPlan'; id: string; plan: string } & RevisedPlan)
  | { op: 'rectificationComplete'; id: string }
  | { op: 'evaluationAssign'; kind: EvaluationKind; evaluatorId: string }
  | { op: 'evaluationSubmit'; kind: EvaluationKind; scores: Record<string, number>; comments: string; score: number; grade: string; subsidy: unknown }
  | { op: 'closure'; finalReport: string }
  | { op: 'termination'; from: Stage; reason: string; rectificationId: string | null; rescoping?: { contestId: string; awardedFen: number } };

/** The facts the workflow holds for the four-colour grade; the rest the recompute reads from the records. */
export interface ColourInput {
  key: string;
  overdueReports: number;
  complaints: number;
  supervisionIndex: number | null;
  colourRules: ColourRules;
}

export interface ProjectEventInput {
  key: string;
  projectId: string;
  at: string;
  kind: string;
  actorId: string | null;
  /** The stage and colour after the event: the read model the API lists from. */
  stage: Stage;
  colour: Colour;
  data: Record<string, unknown>;
  write?: ProjectWrite;
  /**
   * The pending actions of the state after the event, each as its task: the event's transaction reconciles the
   * project's open tasks with them (reconcileProjectTasks). Absent in events written before the inbox followed them.
   */
  pending?: TaskSpec[];
  /** Tasks that are not pending actions, opened with the event (none in the project workflow). */
  openTasks?: TaskSpec[];
  /** Key prefixes of tasks this event completes (events written before `pending`). */
  closeTasks?: string[];
  /** Recompute the colour in the same transaction, after the write (one activity per move). */
  recolour?: ColourInput;
}

export type WriteFor<K extends ProjectWrite['op']> = (trx: Knex.Transaction, ev: ProjectEventInput, w: Extract<ProjectWrite, { op: K }>) => Promise<void>;

/** One feature's writes, by op. */
export type WriteHandlers = { [K in ProjectWrite['op']]?: WriteFor<K> };
