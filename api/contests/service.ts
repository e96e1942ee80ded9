import type { Knex } from 'knex';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { ventureContest } from '../../workflows/venture-contest';
import type { ContestView } from '../../workflows/messages';
import { contestPhase, findContest, isContestJudge, shareContestRow, type ContestRow } from '../../db/repositories/contests';
import { IllegalMoveError, NotFoundError } from '../errors';
import type { AppDeps } from '../deps';
import { executeWorkflowUpdate, temporalOf, type UpdateDeps } from '../updates';
import type { Principal } from '../auth';
import { hasRole } from '../auth';

export const contestWorkflowId = (contestId: string) => `contest-${contestId}`;

export async function startContestWorkflow(deps: Pick<AppDeps, 'temporal'>, contestId: string): Promise<void> {
  const { client, taskQueue } = temporalOf(deps);
  try {
    await client.workflow.start(ventureContest, { workflowId: contestWorkflowId(contestId), taskQueue, args: [{ contestId }] });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

async function phaseOf(db: Knex, contestId: string): Promise<string> {
  const phase = await contestPhase(db, contestId);
  if (!phase) throw new NotFoundError('contest');
  return phase;
}

/**
 * Runs a phase move on the contest's workflow and maps its refusals onto HTTP: an illegal move → 409 naming the
 * current phase (in `currentStage`), a broken rule → 422 with the rule and whatever the activity attached (the
 * entries no judges can cover, the sheets missing), a conflict → 409. With an Idempotency-Key the update id is
 * derived from it, so a request retried after its first attempt died is the same update, not a second move.
 */
export async function executeContestUpdate<A extends object>(
  deps: UpdateDeps,
  contestId: string,
  update: UpdateDefinition<ContestView, [A]>,
  move: string,
  args: A,
  updateId?: string,
): Promise<ContestView> {
  return executeWorkflowUpdate(deps, { workflowId: contestWorkflowId(contestId), move, currentStage: () => phaseOf(deps.db, contestId) }, update, args, updateId);
}

/** Organisers run the contests they created and those in their region scope; admins run all. */
export function runsContest(user: Principal, c: Pick<ContestRow, 'created_by' | 'region_path'>): boolean {
  if (hasRole(user, 'admin')) return true;
  if (!hasRole(user, 'organiser')) return false;
  return c.created_by === user.id || user.regionPath === null || c.region_path.startsWith(user.regionPath);
}

export async function isJudge(db: Knex | Knex.Transaction, contestId: string, userId: string): Promise<boolean> {
  return isContestJudge(db, contestId, userId);
}

/** A contest the user may see: organisers in scope and its judges always; everyone else once it is open (not draft). */
export async function visibleContest(db: Knex, user: Principal, contestId: string): Promise<ContestRow> {
  const c = await findContest(db, contestId);
  if (!c) throw new NotFoundError('contest');
  if (runsContest(user, c)) return c;
  if (c.phase !== 'draft') return c;
  if (await isJudge(db, contestId, user.id)) return c;
  throw new NotFoundError('contest');
}

/** A contest the user runs; to anyone else it does not exist (404), as with every object outside one's scope. */
export async function runContest(db: Knex, user: Principal, contestId: string): Promise<ContestRow> {
  const c = await visibleContest(db, user, contestId);
  if (!runsContest(user, c)) throw new NotFoundError('contest');
  return c;
}

/** The contest row held FOR SHARE: phase moves lock it FOR NO KEY UPDATE, so the phase read here holds until commit. */
export async function shareContest(trx: Knex.Transaction, contestId: string): Promise<ContestRow> {
  const c = await shareContestRow(trx, contestId);
  if (!c) throw new NotFoundError('contest');
  return c;
}

export function requirePhase(c: Pick<ContestRow, 'phase'>, phases: string[], move: string): void {
  if (!phases.includes(c.phase)) {
    throw new IllegalMoveError(c.phase, move, `"${move}" is not allowed while the contest's phase is "${c.phase}" (allowed in: ${phases.join(', ')})`);
  }
}
