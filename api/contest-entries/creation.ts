import { enterContest, type ContestEntryInput, type ProjectView } from '../../workflows/messages';
import { executeProjectUpdate } from '../projects/service';
import type { UpdateDeps } from '../updates';

/**
 * Enters a project into a contest as one durable operation: the project workflow's enterContest update
 * writes the entry's row in the same activity transaction as the project's move to in_contest (under the
 * contest row held FOR SHARE, so entries cannot close in between). A crash anywhere leaves both or neither;
 * there is nothing to undo.
 */
export async function enterProjectInContest(
  deps: UpdateDeps,
  input: { projectId: string; contestId: string; actorId: string; entry: ContestEntryInput },
  updateId: string,
): Promise<ProjectView> {
  return executeProjectUpdate(deps, input.projectId, enterContest, { actorId: input.actorId, contestId: input.contestId, entry: input.entry }, updateId);
}
