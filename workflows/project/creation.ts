import * as wf from '@temporalio/workflow';
import * as m from '../messages';
import { illegal } from '../refusals';
import { guarded, projectActivities } from '../activity-options';
import type { ProjectRun } from './state';

// Creation: the API starts the workflow and sends createProject in one call (update-with-start), and the
// workflow writes the project's rows. Either both exist or, if the write is refused, the run ends with no
// project: no crash between two calls can leave rows without a workflow, or a workflow without rows.

function requireNew(p: ProjectRun): void {
  if (p.state.stage !== 'design' || p.state.version !== 0 || p.abandoned) throw illegal(p.state.stage, 'createProject');
}

export function registerCreation(p: ProjectRun): void {
  wf.setHandler(
    m.createProject,
    (a: m.Actor & { project: m.NewProject }) =>
      p.exclusive(async () => {
        requireNew(p);
        const key = `${p.projectId}:createProject`;
        try {
          // Keyed by the project id: a repeat (a retried request with the same update id, or another) writes nothing.
          await guarded(p.alertSubject(), key, () => projectActivities.createProjectRecord({ ...a.project, projectId: p.projectId, actorId: a.actorId, pending: p.pending().map((x) => x.task) }));
        } catch (err) {
          // Nothing was written (the write is one transaction): the run ends, and the project never existed.
          p.abandoned = true;
          p.changes++;
          throw err;
        }
        p.changes++;
        return p.view();
      }),
    { validator: (_a: m.Actor & { project: m.NewProject }) => requireNew(p) },
  );
}
