import type { Knex } from 'knex';
import { ApplicationFailure } from '@temporalio/common';
import type { ContestRow } from '../db/repositories/contests';
import type { ContestMove } from '../workflows/contest-rules/phases';
import type { RuleViolation } from '../workflows/contest-rules/violations';

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

export function contestBusinessRule(errors: RuleViolation[], extensions: Record<string, unknown> = {}, message?: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'BusinessRule',
    message: message ?? errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    details: [{ errors, ...extensions }],
    nonRetryable: true,
  });
}

/** The database disagrees with the workflow about the phase: the workflow's validator should have refused first. */
export function contestIllegal(phase: string, move: ContestMove | string): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'IllegalMove',
    message: `"${move}" is not allowed while the contest's phase is "${phase}"`,
    details: [{ currentStage: phase, move }],
    nonRetryable: true,
  });
}

/**
 * Every phase-moving activity locks the contest row; API writes that depend on the phase hold it FOR SHARE, so
 * they wait for the move or the move waits for them. FOR NO KEY UPDATE, not FOR UPDATE: rows that merely reference
 * the contest (a score sheet's foreign key takes FOR KEY SHARE) must not queue behind it, or a sheet holding its
 * round FOR SHARE and a close waiting for that round would deadlock.
 */
export async function lockContest(trx: Knex.Transaction, contestId: string): Promise<ContestRow> {
  const row = await trx<ContestRow>('contests').where({ id: contestId }).forNoKeyUpdate().first();
  if (!row) throw ApplicationFailure.create({ type: 'NotFound', message: `no contest ${contestId}`, nonRetryable: true });
  return row;
}

