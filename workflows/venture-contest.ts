import * as wf from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { RoundTimes } from '../activities/contest-common';
import * as m from './messages';
import type { Actor, ContestInput, ContestState, ContestView } from './messages';
import { allowedMoves, nextPhase, type ContestMove, type ContestPhase } from './contest-rules/phases';
import { addDuration, durationMs, isIsoDate, parseInstant } from './rules/duration';
import { violation, type RuleViolation } from './contest-rules/violations';
import { businessRule, conflict, illegal as refuseIllegal } from './refusals';
import { alertIfExhausted, contestActivities, contestMoveActivities, raiseAlert } from './activity-options';
import { serialiser } from './serialise';
import { DeadlineRetry } from './deadline-retry';
import { msg } from '../i18n/message';

const acts = contestActivities;
const moves = contestMoveActivities;

/**
 * Marker (docs/workflows.md), asked only when a deadline's work fails: the contest's state is put back and the work
 * tried again later (DeadlineRetry). Before it, the failure was logged and the work dropped.
 */
export const CONTEST_DEADLINE_RETRY = 'contest-deadline-retry';

/** Marker (docs/workflows.md), asked only when an award's or a cancellation's project moves fail past their retries. */
export const CONTEST_MOVES_RESUME = 'contest-moves-resume';

/** How soon the timer loop tries deferred project moves first; after that, DeadlineRetry's backoff (1 to 15 min). */
const FIRST_MOVES_RETRY_MS = 10_000;

/** Entries whose projects one activity call moves; the call repeats until none is left. */
const MOVE_BATCH = 50;

export function initialContestState(): ContestState {
  return {
    phase: 'draft',
    settings: null,
    entriesCloseAt: null,
    entriesClosedAt: null,
    rounds: [],
    currentRound: null,
    rankingId: null,
    publishedAt: null,
    award: null,
    cancelled: null,
  };
}

const illegal = (phase: ContestPhase, move: string) => refuseIllegal(phase, move, undefined, 'contest');

/** An activity's refusal (a broken rule, the database's phase) reaches the caller as itself, not wrapped. */
function unwrap(err: unknown): never {
  if (err instanceof wf.ActivityFailure && err.cause instanceof wf.ApplicationFailure && err.cause.nonRetryable) throw err.cause;
  throw err;
}

const nowIso = () => new Date().toISOString();

/**
 * One workflow per contest (id `contest-<id>`): it owns the phase, the entry and judging deadlines and the
 * decisions (the final ranking, the awards). Entries, judges' sheets, pledges and subscriptions are bulk data the
 * API writes to PostgreSQL in transactions, never one update each: the engine's history would not hold them.
 */
export async function ventureContest(input: ContestInput): Promise<ContestView> {
  const { contestId } = input;
  const state: ContestState = input.state ?? initialContestState();
  let changes = 0;

  const exclusive = serialiser();
  const subject = { workflowId: `contest-${contestId}`, projectId: null, contestId };

  const isLastRound = () => state.settings !== null && state.currentRound === state.settings.rounds.length - 1;
  const currentRound = () => (state.currentRound === null ? null : state.rounds[state.currentRound] ?? null);

  function view(): ContestView {
    const openDeadlines: ContestView['openDeadlines'] = [];
    if (state.phase === 'open' && state.entriesCloseAt) openDeadlines.push({ kind: 'entries_close', dueAt: state.entriesCloseAt });
    const round = currentRound();
    if (state.phase === 'judging' && round && !round.closedAt) {
      if (round.remindAt && !round.reminded) openDeadlines.push({ kind: `judging_reminder:${round.key}`, dueAt: round.remindAt });
      openDeadlines.push({ kind: `judging_deadline:${round.key}`, dueAt: round.deadlineAt });
    }
    const { movesPending, ...shown } = state;
    if (movesPending) openDeadlines.push({ kind: 'project_moves', dueAt: movesPending.retryAt });
    return { ...shown, contestId, allowedMoves: allowedMoves(state.phase), openDeadlines };
  }

  function requireMove(move: ContestMove): void {
    if (nextPhase(state.phase, move, { isLastRound: isLastRound() }) === null) throw illegal(state.phase, move);
  }

  /** Deadlines of round `index` opened now: the judging deadline, and the reminder that long before it. */
  function roundTimes(index: number): RoundTimes {
    const r = state.settings!.rounds[index];
    const openedAt = nowIso();
    const deadlineAt = addDuration(openedAt, r.judgingDeadline);
    let remindAt: string | null = null;
    if (r.reminderBefore) {
      const at = parseInstant(deadlineAt) - durationMs(r.reminderBefore);
      if (at > parseInstant(openedAt)) remindAt = new Date(at).toISOString();
    }
    return { openedAt, deadlineAt, remindAt };
  }

  /** Registers an update: the validator refuses an illegal move before anything is written; the handler re-checks under the lock. */
  function on<A extends Actor>(def: UpdateDefinition<ContestView, [A]>, move: ContestMove, check: (a: A) => void, apply: (a: A) => Promise<void>): void {
    wf.setHandler(
      def,
      (a: A) =>
        exclusive(async () => {
          requireMove(move);
          check(a);
          try {
            await apply(a);
          } catch (err) {
            await alertIfExhausted(subject, `${contestId}:${move}:${wf.currentUpdateInfo()?.id ?? ''}`, err);
            unwrap(err);
          }
          changes++;
          return view();
        }),
      {
        validator: (a: A) => {
          requireMove(move);
          check(a);
        },
      },
    );
  }

  wf.setHandler(m.getContestState, view);

  const none = () => undefined;

  on(m.openEntries, 'openEntries', none, async (a) => {
    const r = await acts.openContestEntries({ contestId, actorId: a.actorId, at: nowIso() });
    state.settings = r.settings;
    state.entriesCloseAt = r.entriesCloseAt;
    state.phase = 'open';
  });

  async function doCloseEntries(actorId: string | null): Promise<void> {
    await acts.closeContestEntries({ contestId, actorId, at: nowIso() });
    state.phase = 'screening';
    state.entriesClosedAt = nowIso();
  }
  on(m.closeEntries, 'closeEntries', none, (a) => doCloseEntries(a.actorId));

  on(m.startJudging, 'startJudging', none, async (a) => {
    const times = roundTimes(0);
    await acts.openContestRound({ contestId, actorId: a.actorId, at: times.openedAt, roundIndex: 0, times });
    state.rounds = [{ index: 0, key: state.settings!.rounds[0].key, ...times, reminded: false, lateNotified: false, closedAt: null, rankingId: null }];
    state.currentRound = 0;
    state.phase = 'judging';
  });

  on(m.closeRound, 'closeRound', none, async (a) => {
    const index = state.currentRound!;
    const last = isLastRound();
    const next = last ? null : roundTimes(index + 1);
    const r = await acts.closeContestRound({ contestId, actorId: a.actorId, at: nowIso(), roundIndex: index, allowMissing: a.allowMissing ?? false, next });
    state.rounds[index] = { ...state.rounds[index], closedAt: r.closedAt, rankingId: r.rankingId };
    if (last) {
      state.rankingId = r.finalRankingId;
      state.phase = 'results';
    } else {
      state.rounds.push({ index: index + 1, key: state.settings!.rounds[index + 1].key, ...next!, reminded: false, lateNotified: false, closedAt: null, rankingId: null });
      state.currentRound = index + 1;
    }
  });

  on(m.publishRanking, 'publishRanking', none, async (a) => {
    const r = await acts.publishContestRanking({ contestId, actorId: a.actorId, at: nowIso() });
    state.publishedAt = r.publishedAt;
    state.phase = 'funding';
  });

  type MoveOutcomes = { moved: number; failures: { entryId: string; error: string }[] };

  /** Moves every decided entry's project, a batch at a time, until none is left; `totals` counts every call's. */
  async function moveProjects(actorId: string, reason: string): Promise<MoveOutcomes & { totals?: MoveOutcomes }> {
    let moved = 0;
    const failures: { entryId: string; error: string }[] = [];
    let totals: MoveOutcomes | undefined;
    for (;;) {
      const r = await moves.moveContestProjects({ contestId, actorId, reason, batch: MOVE_BATCH });
      moved += r.moved;
      failures.push(...r.failures);
      totals = r.totals;
      if (r.remaining === 0 || r.moved + r.failures.length === 0) break;
    }
    return { moved, failures, totals };
  }

  /**
   * The moves after an award or a cancellation, whose decision is already written. If they fail past their retries
   * (the database or Temporal away for minutes), the update used to fail after its decision was written: the
   * projects left stayed in the contest, and an awarded contest could never close ("awards still moving"). Now the
   * operator is alerted, the update answers with its decision, and the timer loop moves the rest 10 s on (then with
   * DeadlineRetry's backoff), the contest's workflow running until they are moved.
   */
  async function moveProjectsOrLater(actorId: string, reason: string): Promise<MoveOutcomes | null> {
    try {
      return await moveProjects(actorId, reason);
    } catch (err) {
      if (!(err instanceof wf.ActivityFailure) || !wf.patched(CONTEST_MOVES_RESUME)) throw err;
      await raiseAlert(subject, `${contestId}:moves:${wf.currentUpdateInfo()?.id ?? ''}`, err);
      state.movesPending = { actorId, reason, retryAt: new Date(Date.now() + FIRST_MOVES_RETRY_MS).toISOString() };
      return null;
    }
  }

  on(m.awardEntries, 'award', (a) => {
    const errors: RuleViolation[] = [];
    if (!isIsoDate(a.startDate)) errors.push(violation('/body/startDate', 'date', 'schema.format.date'));
    if (!isIsoDate(a.endDate)) errors.push(violation('/body/endDate', 'date', 'schema.format.date'));
    else if (a.endDate <= a.startDate) errors.push(violation('/body/endDate', 'after-start', 'rule.after-start'));
    if (!(a.finalTranchePercent >= 0 && a.finalTranchePercent <= 100)) errors.push(violation('/body/finalTranchePercent', 'percent', 'rule.percent'));
    if (errors.length) throw businessRule(errors);
  }, async (a) => {
    const decided = await acts.decideContestAwards({ contestId, actorId: a.actorId, at: nowIso(), startDate: a.startDate, endDate: a.endDate, finalTranchePercent: a.finalTranchePercent });
    state.phase = 'awarded';
    state.award = { decidedAt: nowIso(), ...decided, projectsMoved: 0, projectMoveFailures: [] };
    const r = await moveProjectsOrLater(a.actorId, 'not awarded in the contest; back to the project library');
    if (r) {
      state.award.projectsMoved = r.moved;
      state.award.projectMoveFailures = r.failures;
    }
  });

  on(m.closeContest, 'close', () => {
    if (state.award && state.award.projectsMoved + state.award.projectMoveFailures.length < state.award.awardedEntryIds.length + state.award.notAwardedEntryIds.length) {
      throw conflict(msg('problem.conflict.awards-moving'), state.phase);
    }
  }, async (a) => {
    await acts.closeContestRecord({ contestId, actorId: a.actorId, at: nowIso() });
    state.phase = 'closed';
  });

  on(m.cancelContest, 'cancel', none, async (a) => {
    await acts.cancelContestRecord({ contestId, actorId: a.actorId, at: nowIso(), reason: a.reason });
    state.phase = 'closed';
    state.cancelled = { at: nowIso(), reason: a.reason };
    await moveProjectsOrLater(a.actorId, `contest cancelled: ${a.reason}`);
  });

  // ---- timers -----------------------------------------------------------------------------------
  function nextDeadline(): number | null {
    const times: string[] = [];
    if (state.phase === 'open' && state.entriesCloseAt) times.push(state.entriesCloseAt);
    const round = currentRound();
    if (state.phase === 'judging' && round && !round.closedAt) {
      if (round.remindAt && !round.reminded) times.push(round.remindAt);
      if (!round.lateNotified) times.push(round.deadlineAt);
    }
    if (state.movesPending) times.push(state.movesPending.retryAt);
    return times.length ? Math.min(...times.map(parseInstant)) : null;
  }

  /**
   * What a passing deadline does. A write past its retry bound alerts the operator here; any failure then puts the
   * contest's state back and is tried again later (DeadlineRetry): a timer must never end the contest, nor drop
   * the closing of entries or a reminder.
   */
  async function processDue(): Promise<void> {
    const now = Date.now();
    const due = (iso: string) => parseInstant(iso) <= now;
    try {
      const pending = state.movesPending;
      if (pending && due(pending.retryAt)) {
        const r = await moveProjects(pending.actorId, pending.reason);
        state.movesPending = null;
        if (state.award && r.totals) {
          state.award.projectsMoved = r.totals.moved;
          state.award.projectMoveFailures = r.totals.failures;
        }
      }
      if (state.phase === 'open' && state.entriesCloseAt && due(state.entriesCloseAt)) await doCloseEntries(null);
      const round = currentRound();
      if (state.phase === 'judging' && round && !round.closedAt) {
        if (round.remindAt && !round.reminded && due(round.remindAt)) {
          round.reminded = true;
          await acts.remindContestJudges({ contestId, roundIndex: round.index, at: nowIso() });
        }
        if (!round.lateNotified && due(round.deadlineAt)) {
          round.lateNotified = true;
          await acts.notifyContestDeadline({ contestId, roundIndex: round.index, at: nowIso() });
        }
      }
    } catch (err) {
      await alertIfExhausted(subject, `${contestId}:deadline:${state.phase}:${state.currentRound ?? ''}`, err);
      if (err instanceof wf.ActivityFailure && wf.patched(CONTEST_DEADLINE_RETRY)) throw err;
      // Runs from before the marker: logged, and the deadline's work dropped (entries then closed by hand).
      wf.log.warn('contest deadline handling failed', { contestId, error: String(err) });
      if (state.phase === 'open') state.entriesCloseAt = null;
    }
  }

  // A function, not an inline comparison: handlers change the phase while the loop awaits.
  const open = () => state.phase !== 'closed' || !!state.movesPending;
  const retry = new DeadlineRetry(() => subject);
  while (open()) {
    const next = retry.next(nextDeadline());
    const seen = changes;
    const wake = () => changes !== seen || wf.workflowInfo().continueAsNewSuggested;
    if (next === null) await wf.condition(wake);
    else await wf.condition(wake, Math.max(1, next - Date.now()));
    await exclusive(() => retry.run(state, processDue));
    if (open() && wf.workflowInfo().continueAsNewSuggested) {
      await wf.condition(wf.allHandlersFinished);
      await wf.continueAsNew<typeof ventureContest>({ contestId, state });
    }
  }
  await wf.condition(wf.allHandlersFinished);
  return view();
}
