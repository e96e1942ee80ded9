import type { Knex } from 'knex';
import { ApplicationFailure } from '@temporalio/common';
import type { ContestRow } from '../db/repositories/contests';
import type { ContestMove } from '../workflows/contest-rules/phases';
import { businessRule, illegal } from '../workflows/refusals';

export interface ContestMoveInput {
  contestId: string;
  /** Null when a timer made the move (the entry deadline). */
  actorId: string | null;
  /** Workflow time of the move. */
  at: string;
}

export interface RoundTimes {
  openedAt: string;
  deadlineAt: string;
  remindAt: string | null;
}

/** A broken rule the contest's activities find under their lock: the one refusal both workflows use. */
export const contestBusinessRule = businessRule;

/** The database disagrees with the workflow about the phase: the workflow's validator should have refused first. */
export function contestIllegal(phase: string, move: ContestMove | string): ApplicationFailure {
  return illegal(phase, move, undefined, 'contest');
}

/**
 * Every phase-moving activity locks the contest row; API writes that depend on the phase hold it FOR SHARE, so
 * they wait for the move or the move waits for them. FOR NO KEY UPDATE, not FOR UPDATE: rows that merely reference
 * the contest (a score sheet's foreign key takes FOR KEY SHARE) must not queue behind it, or a sheet holding its
 * round FOR SHARE and a close waiting for that round would deadlock.
 */
export async function lockContest(trx: Knex.Transaction, contestId: string): Promise<ContestRow> {
  const row = await trx<ContestRow>('contests').where({ id: contestId }).forNoKeyUpdate().first();
  if (!row) throw ApplicationFailure.create({ type: 'NotFound', message: `no contest ${contestId}`, details: [{ what: 'contest' }], nonRetryable: true });
  return row;
}

