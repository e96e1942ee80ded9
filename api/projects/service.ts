// The projects feature (create, list, stats, one project, its timeline, withdraw) and the project lifecycle workflow
// as the API reaches it: the one place where the project's rows and its workflow meet.
import type { Knex } from 'knex';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowNotFoundError, type UpdateDefinition } from '@temporalio/common';
import {
  childRegionNames, findVisibleProject, knownNeedIds, programmeForProjects, projectCounts, projectEvents, projectsQuery, projectStage, toProjectJson,
  type ProjectJson, type ProjectRow,
} from '../../db/repositories/projects';
import { findRegion } from '../../db/repositories/regions';
import { projectLifecycle } from '../../workflows/project-lifecycle';
import { getState, withdrawProject as withdrawProjectUpdate, type ProjectView } from '../../workflows/messages';
import { checkProposal, type Proposal } from '../../workflows/rules/proposal';
import { isTerminal } from '../../workflows/stages';
import type { ProgrammeRules } from '../../workflows/rules/programme-rules';
import type { Principal } from '../auth';
import type { AppDeps } from '../deps';
import { BusinessRuleError, NotFoundError, type FieldError, says } from '../errors';
import { containsPattern, keysetPage, type Page } from '../paging';
import { executeWorkflowUpdate, temporalOf, type UpdateDeps } from '../updates';
import { loadVisibleProject, projectViewFor, requireApplicant, timelineEventFor, type ProjectViewOut, type TimelineEvent } from './access';

export { projectWorkflowId } from './ids';
import { projectWorkflowId } from './ids';
import { createProject as createProjectDurably, newProjectId } from './creation';

/** Starts the lifecycle of a project whose row was just committed; an existing workflow with that id is kept. */
export async function startProjectWorkflow(
  deps: Pick<AppDeps, 'temporal'>,
  input: { projectId: string; programmeId: string; organisationId: string; regionPath: string; rules: ProgrammeRules; maxUpdatesPerRun?: number },
): Promise<void> {
  const { client, taskQueue } = temporalOf(deps);
  try {
    await client.workflow.start(projectLifecycle, { workflowId: projectWorkflowId(input.projectId), taskQueue, args: [input] });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

async function currentStage(db: Knex, projectId: string): Promise<string> {
  const stage = await projectStage(db, projectId);
  if (!stage) throw new NotFoundError('project');
  return stage;
}

/**
 * Runs a stage move on the project's workflow and maps what the workflow refuses onto HTTP:
 * an illegal move → 409 naming the current stage, a broken rule → 422, a conflict → 409.
 * The update id comes from the Idempotency-Key when there is one, so a retried request is the same update.
 */
export async function executeProjectUpdate<A extends object>(
  deps: UpdateDeps,
  projectId: string,
  update: UpdateDefinition<ProjectView, [A]>,
  args: A,
  updateId?: string,
): Promise<ProjectView> {
  return executeWorkflowUpdate(deps, { workflowId: projectWorkflowId(projectId), move: update.name, currentStage: () => currentStage(deps.db, projectId) }, update, args, updateId);
}

/** The live state, or null when the workflow is finished or no worker answers in time (the record still answers). */
export async function queryProject(deps: Pick<AppDeps, 'temporal'>, projectId: string, timeoutMs = 3000): Promise<ProjectView | null> {
  const { client } = temporalOf(deps);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      client.workflow.getHandle(projectWorkflowId(projectId)).query(getState),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
      }),
    ]);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

// ---- the projects feature -----------------------------------------------------------------------------------------

export const violationsToErrors = (prefix: string, v: FieldError[]): FieldError[] =>
  v.map((e) => ({ ...e, field: e.field.startsWith('/body') ? e.field : `${prefix}${e.field}` }));

export interface ProjectInput {
  title: string;
  summary?: string;
  regionId: string;
  needIds: string[];
  proposal: Proposal;
}

/**
 * An applicant organisation starts a project in an open programme. The checks run here; the row, its needs and its
 * audit entry are written by the workflow's first update (update-with-start), so no crash leaves one without the other.
 */
export async function createProject(deps: AppDeps, user: Principal, requestId: string, programmeId: string, input: ProjectInput, idempotencyKey?: string): Promise<ProjectJson & { draft: Proposal }> {
  const organisationId = user.organisationId;
  if (!organisationId) throw new BusinessRuleError([{ field: '/user/organisationId', rule: 'organisation-required', ...says('field.organisation-required') }]);
  const programme = await programmeForProjects(deps.db, programmeId);
  if (!programme) throw new NotFoundError('programme');
  const errors: FieldError[] = [];
  if (programme.status !== 'open') errors.push({ field: '/params/id', rule: 'programme-open', ...says('field.programme-open') });
  const [region, programmeRegion] = await Promise.all([findRegion(deps.db, input.regionId), findRegion(deps.db, programme.region_id)]);
  if (!region || !programmeRegion || !region.path.startsWith(programmeRegion.path)) {
    errors.push({ field: '/body/regionId', rule: 'within-programme', ...says('field.within-programme') });
  }
  const known = await knownNeedIds(deps.db, input.needIds);
  input.needIds.forEach((id, i) => {
    if (!known.has(id)) errors.push({ field: `/body/needIds/${i}`, rule: 'exists', ...says('field.no-need') });
  });
  errors.push(...violationsToErrors('/body/proposal', checkProposal(input.proposal)));
  if (errors.length || !region) throw new BusinessRuleError(errors);
  // One durable operation: the workflow starts and its activity writes the rows and the audit entry (creation.ts).
  const id = newProjectId(idempotencyKey);
  await createProjectDurably(deps, {
    projectId: id, actorId: user.id, rules: programme.rules as ProgrammeRules,
    project: {
      programmeId, organisationId, region: { id: region.id, level: region.level, path: region.path }, title: input.title, summary: input.summary ?? '',
      targetGroups: input.proposal.targetGroups, amountAskedFen: input.proposal.amountAskedFen, draft: input.proposal, needIds: input.needIds, requestId,
    },
  }, idempotencyKey);
  const row = await findVisibleProject(deps.db, user, id);
  if (!row) throw new NotFoundError('project');
  return { ...toProjectJson(row), draft: input.proposal };
}

export interface ProjectListFilter {
  regionId?: string;
  regionLevel?: string;
  programmeId?: string;
  organisationId?: string;
  stage?: string[];
  colour?: string[];
  targetGroup?: string;
  q?: string;
}

export async function listProjects(db: Knex, user: Principal, f: ProjectListFilter, page: { limit: number; cursor?: string }): Promise<Page<ProjectJson>> {
  let regionPath: string | undefined;
  if (f.regionId) {
    const region = await findRegion(db, f.regionId);
    if (!region) throw new NotFoundError('region');
    regionPath = region.path;
  }
  const q = projectsQuery(db, user, {
    regionPath, regionLevel: f.regionLevel, programmeId: f.programmeId, organisationId: f.organisationId, stage: f.stage, colour: f.colour, targetGroup: f.targetGroup,
    titleLike: f.q ? containsPattern(f.q) : undefined,
  });
  return keysetPage(db, q, { ...page, table: 'projects' }, (r: ProjectRow) => toProjectJson(r));
}

type Counts = Record<string, number>;
export interface ProjectStats {
  regionId: string;
  byStage: Counts;
  byColour: Counts;
  children: { regionId: string; name: string; byStage: Counts; byColour: Counts }[];
}

/**
 * Counts per stage and colour under a region, of the projects the caller sees. A region that neither lies in the
 * caller's scope nor contains it is missing (404): counting nothing there would answer zeros for a region the caller
 * has no business with. Above the scope (a district officer asking for the city) the counts are their own part.
 */
export async function projectStats(db: Knex, user: Principal, regionId: string): Promise<ProjectStats> {
  const scope = user.roles.includes('admin') ? null : user.regionPath;
  const region = await findRegion(db, regionId);
  if (!region || !(scope === null || region.path.startsWith(scope) || scope.startsWith(region.path))) throw new NotFoundError('region');
  const [{ byStage, byColour }, names] = await Promise.all([projectCounts(db, user, region.path), childRegionNames(db, region.id)]);
  const totals = { byStage: {} as Counts, byColour: {} as Counts };
  const children = new Map<string, ProjectStats['children'][number]>();
  const add = (rows: { child: string; key: string; n: number }[], field: 'byStage' | 'byColour') => {
    for (const r of rows) {
      totals[field][r.key] = (totals[field][r.key] ?? 0) + r.n;
      const name = names.get(r.child);
      if (name === undefined) continue; // projects hung on the region itself
      const c = children.get(r.child) ?? { regionId: r.child, name, byStage: {}, byColour: {} };
      c[field][r.key] = (c[field][r.key] ?? 0) + r.n;
      children.set(r.child, c);
    }
  };
  add(byStage, 'byStage');
  add(byColour, 'byColour');
  return { regionId: region.id, ...totals, children: [...children.values()].sort((a, b) => a.name.localeCompare(b.name)) };
}

export async function getProject(deps: AppDeps, user: Principal, projectId: string): Promise<ProjectJson & { draft: Proposal; live: ProjectViewOut | null }> {
  const row = await loadVisibleProject(deps.db, user, projectId);
  const live = isTerminal(row.stage) ? null : await queryProject(deps, row.id);
  return { ...toProjectJson(row), draft: row.draft, live: live && projectViewFor(user, row, live) };
}

export async function projectTimeline(db: Knex, user: Principal, projectId: string): Promise<{ items: TimelineEvent[] }> {
  const project = await loadVisibleProject(db, user, projectId);
  const rows = await projectEvents(db, project.id);
  return {
    items: rows.map((r) => timelineEventFor(user, project, { id: String(r.id), kind: r.kind, actorId: r.actor_id, actorName: r.display_name ?? null, data: r.data, at: r.at.toISOString() })),
  };
}

/** Runs a move on a visible project's workflow and answers its live state as this reader may see it. */
export async function moveProject<A extends object>(deps: UpdateDeps, user: Principal, project: ProjectRow, update: UpdateDefinition<ProjectView, [A]>, args: A, updateId?: string): Promise<ProjectViewOut> {
  return projectViewFor(user, project, await executeProjectUpdate(deps, project.id, update, args, updateId));
}

export async function withdrawProject(deps: AppDeps, user: Principal, projectId: string, reason: string, updateId?: string): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireApplicant(user, project, { officerToo: true });
  return moveProject(deps, user, project, withdrawProjectUpdate, { actorId: user.id, reason }, updateId);
}
