import * as wf from '@temporalio/workflow';
import * as m from '../messages';
import type { ProjectInput, ProjectView } from '../messages';
import { isTerminal } from '../stages';
import { ProjectRun, type AnyMove } from './state';
import { designMoves } from './design';
import { reviewMoves } from './review';
import { contestMoves } from './contest';
import { deliveryMoves } from './delivery';
import { monitoringMoves } from './monitoring';
import { evaluationMoves } from './evaluation';
import { closureMoves } from './closure';
import { registerCreation } from './creation';
import { nextDeadline, processDue } from './timers';

/** Every update the project workflow takes, by feature (each feature's file holds its handlers). */
const MOVES: AnyMove[] = [...designMoves, ...reviewMoves, ...contestMoves, ...deliveryMoves, ...monitoringMoves, ...evaluationMoves, ...closureMoves];

/** One workflow per project (id `project-<id>`): it owns the stage, the deadlines and the timers. */
export async function projectLifecycle(input: ProjectInput): Promise<ProjectView> {
  const p = new ProjectRun(input);
  wf.setHandler(m.getState, () => p.view());
  registerCreation(p);
  for (const spec of MOVES) p.register(spec);

  const cannotContinue = () => wf.workflowInfo().continueAsNewSuggested || p.handled >= p.maxUpdates;
  const ended = () => isTerminal(p.state.stage) || p.abandoned;
  while (!ended()) {
    const next = nextDeadline(p);
    const seen = p.changes;
    const wake = () => p.changes !== seen || cannotContinue();
    if (next === null) await wf.condition(wake);
    else await wf.condition(wake, Math.max(1, next - Date.now()));
    await p.exclusive(() => processDue(p));
    if (!ended() && cannotContinue()) {
      await wf.condition(wf.allHandlersFinished);
      await wf.continueAsNew<typeof projectLifecycle>({ ...input, state: p.state });
    }
  }
  await wf.condition(wf.allHandlersFinished);
  return p.view();
}
