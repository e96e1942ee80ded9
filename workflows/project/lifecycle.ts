import * as wf from '@temporalio/workflow';
import * as m from '../messages';
import type { ProjectInput, ProjectView } from '../messages';
import { isTerminal } from '../stages';
import { DEADLINE_TIMER_KEPT, ProjectRun, type AnyMove } from './state';
import { designMoves } from './design';
import { reviewMoves } from './review';
import { contestMoves } from './contest';
import { deliveryMoves } from './delivery';
import { monitoringMoves } from './monitoring';
import { evaluationMoves } from './evaluation';
import { closureMoves } from './closure';
import { registerCreation } from './creation';
import { nextDeadline, processDue } from './timers';
import { DeadlineRetry } from '../deadline-retry';

/** Every update the project workflow takes, by feature (each feature's file holds its handlers). */
const MOVES: AnyMove[] = [...designMoves, ...reviewMoves, ...contestMoves, ...deliveryMoves, ...monitoringMoves, ...evaluationMoves, ...closureMoves];

/**
 * The timer of the project's next deadline. Armed again only when the deadline moves: a move that leaves it where it
 * was costs no timer cancelled and started (two events and two commands a move before `deadline-timer-kept`).
 */
class DeadlineTimer {
  private at: number | null = null;
  private scope: wf.CancellationScope | null = null;
  fired = false;

  arm(at: number | null): void {
    if (at === this.at && !this.fired) return;
    this.scope?.cancel();
    this.scope = null;
    this.at = at;
    this.fired = false;
    if (at === null) return;
    const scope = new wf.CancellationScope();
    this.scope = scope;
    scope.run(() => wf.sleep(Math.max(1, at - Date.now()))).then(
      () => {
        if (this.scope === scope) this.fired = true;
      },
      () => undefined, // cancelled: the deadline moved
    );
  }
}

/** One workflow per project (id `project-<id>`): it owns the stage, the deadlines and the timers. */
export async function projectLifecycle(input: ProjectInput): Promise<ProjectView> {
  const p = new ProjectRun(input);
  wf.setHandler(m.getState, () => p.view());
  registerCreation(p);
  for (const spec of MOVES) p.register(spec);

  const cannotContinue = () => wf.workflowInfo().continueAsNewSuggested || p.handled >= p.maxUpdates;
  const ended = () => isTerminal(p.state.stage) || p.abandoned;
  const deadline = new DeadlineTimer();
  // A deadline's work whose write fails is put back and retried, never the end of the run (see DeadlineRetry).
  const retry = new DeadlineRetry(() => p.alertSubject());
  while (!ended()) {
    const next = retry.next(nextDeadline(p));
    const seen = p.changes;
    const wake = () => p.changes !== seen || cannotContinue();
    if (wf.patched(DEADLINE_TIMER_KEPT)) {
      // One timer per deadline: a move that leaves the next deadline where it was keeps its timer running.
      deadline.arm(next);
      await wf.condition(() => wake() || deadline.fired);
    } else if (next === null) await wf.condition(wake);
    else await wf.condition(wake, Math.max(1, next - Date.now()));
    await p.exclusive(() => retry.run(p.state, () => processDue(p)));
    if (!ended() && cannotContinue()) {
      await wf.condition(wf.allHandlersFinished);
      await wf.continueAsNew<typeof projectLifecycle>({ ...input, state: p.state });
    }
  }
  await wf.condition(wf.allHandlersFinished);
  return p.view();
}
