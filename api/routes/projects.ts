import type { Knex } from 'knex';
import { writeAudit } from '../../db/repositories/audit';
import { findRegion } from '../../db/repositories/regions';
import { findOrganisation } from '../../db/repositories/organisations';
import { checkEligibility } from '../../workflows/rules/eligibility';
import { checkProposal, type Proposal } from '../../workflows/rules/proposal';
import type { ProgrammeRules } from '../../workflows/rules/programme-rules';
import { submitDesign, withdrawProject } from '../../workflows/messages';
import { BusinessRuleError, IllegalMoveError, NotFoundError, type FieldError } from '../errors';
import { containsPattern, keysetPage } from '../paging';
import { loadVisibleProject, requireApplicant, toProjectJson, whereVisible, type ProjectRow } from '../project-access';
import { executeProjectUpdate, queryProject } from '../project-service';
import { createProject, newProjectId } from '../projects/creation';
import type { RouteRegistry } from '../registry';

const violationsToErrors = (prefix: string, v: { field: string; rule: string; message: string }[]): FieldError[] =>
  v.map((e) => ({ field: e.field.startsWith('/body') ? e.field : `${prefix}${e.field}`, rule: e.rule, message: e.message }));

async function programmeRules(db: Knex, programmeId: string): Promise<ProgrammeRules> {
  const row = await db('programmes').where({ id: programmeId }).first('rules');
  return row.rules as ProgrammeRules;
}

const EDITABLE_STAGES = ['design', 'revision'];

export function registerProjectRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'post',
    path: '/api/v1/programmes/:id/projects',
    operationId: 'projects.create',
    summary: 'An applicant organisation starts a project in an open programme, answering listed needs; its lifecycle workflow starts in design',
    tag: 'projects',
    access: ['applicant'],
    status: 201,
    handler: async ({ params, body, user, deps, requestId, idempotencyKey }) => {
      const input = body as { title: string; summary?: string; regionId: string; needIds: string[]; proposal: Proposal };
      if (!user.organisationId) throw new BusinessRuleError([{ field: '/user/organisationId', rule: 'organisation-required', message: 'your account belongs to no organisation' }]);
      const programme = await deps.db('programmes').where({ id: params.id }).first();
      if (!programme) throw new NotFoundError('programme');
      const errors: FieldError[] = [];
      if (programme.status !== 'open') errors.push({ field: '/params/id', rule: 'programme-open', message: 'the programme is closed to new projects' });
      const [region, programmeRegion] = await Promise.all([findRegion(deps.db, input.regionId), findRegion(deps.db, programme.region_id)]);
      if (!region || !programmeRegion || !region.path.startsWith(programmeRegion.path)) {
        errors.push({ field: '/body/regionId', rule: 'within-programme', message: "must be a region inside the programme's region" });
      }
      const needs = await deps.db('needs').whereIn('id', input.needIds).select('id', 'region_id');
      const known = new Set(needs.map((n) => n.id));
      input.needIds.forEach((id, i) => {
        if (!known.has(id)) errors.push({ field: `/body/needIds/${i}`, rule: 'exists', message: 'names no listed need' });
      });
      errors.push(...violationsToErrors('/body/proposal', checkProposal(input.proposal)));
      if (errors.length) throw new BusinessRuleError(errors);
      // One durable operation: the workflow starts and writes the rows itself (api/projects/creation.ts).
      const id = newProjectId(idempotencyKey);
      await createProject(deps, {
        projectId: id, actorId: user.id, rules: programme.rules,
        project: {
          programmeId: params.id, organisationId: user.organisationId, region: { id: region!.id, level: region!.level, path: region!.path }, title: input.title, summary: input.summary ?? '',
          targetGroups: input.proposal.targetGroups, amountAskedFen: input.proposal.amountAskedFen, draft: input.proposal, needIds: input.needIds, requestId: requestId ?? null,
        },
      }, idempotencyKey);
      const row = (await deps.db<ProjectRow>('projects').where({ id }).first())!;
      return { status: 201, body: { ...toProjectJson(row), draft: input.proposal } };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/projects',
    operationId: 'projects.list',
    summary: 'The project library (项目库): search by region subtree and level, programme, stage, colour, target group, organisation and text',
    tag: 'projects',
    access: 'authenticated',
    handler: async ({ query, user, deps }) => {
      const q = whereVisible(deps.db<ProjectRow>('projects').select('projects.*'), user);
      if (query.regionId) {
        const region = await findRegion(deps.db, query.regionId);
        if (!region) throw new NotFoundError('region');
        q.where('projects.region_path', 'like', `${region.path}%`);
      }
      if (query.regionLevel) q.where('projects.region_level', query.regionLevel);
      if (query.programmeId) q.where('projects.programme_id', query.programmeId);
      if (query.organisationId) q.where('projects.organisation_id', query.organisationId);
      if (query.stage) q.whereIn('projects.stage', query.stage);
      if (query.colour) q.whereIn('projects.colour', query.colour);
      if (query.targetGroup) q.whereRaw('projects.target_groups @> ARRAY[?]::text[]', [query.targetGroup]);
      if (query.q) q.whereILike('projects.title', containsPattern(query.q));
      return { body: await keysetPage(deps.db, q, { limit: query.limit, cursor: query.cursor, table: 'projects' }, toProjectJson) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/projects/stats',
    operationId: 'projects.stats',
    summary: 'Dashboard counts: projects per stage and per colour, for a region and each of its child regions',
    tag: 'projects',
    access: ['admin', 'officer', 'organiser'],
    handler: async ({ query, user, deps }) => {
      const region = await findRegion(deps.db, query.regionId);
      if (!region) throw new NotFoundError('region');
      // The child a project falls under is the path segment right after the region's own path.
      const child = deps.db.raw('substring(projects.region_path from ?::int for 36)', [region.path.length + 1]);
      const base = () => whereVisible(deps.db('projects').where('projects.region_path', 'like', `${region.path}%`), user);
      const [byStage, byColour] = await Promise.all([
        base().select(deps.db.raw('? as child', [child]), 'stage as key').count({ n: '*' }).groupByRaw('1, 2'),
        base().select(deps.db.raw('? as child', [child]), 'colour as key').count({ n: '*' }).groupByRaw('1, 2'),
      ]);
      const names = new Map((await deps.db('regions').where({ parent_id: region.id }).select('id', 'name')).map((r) => [r.id as string, r.name as string]));
      const totals = { byStage: {} as Record<string, number>, byColour: {} as Record<string, number> };
      const children = new Map<string, { regionId: string; name: string; byStage: Record<string, number>; byColour: Record<string, number> }>();
      const add = (rows: { child: string; key: string; n: string }[], field: 'byStage' | 'byColour') => {
        for (const r of rows) {
          totals[field][r.key] = (totals[field][r.key] ?? 0) + Number(r.n);
          if (!names.has(r.child)) continue; // projects hung on the region itself
          const c = children.get(r.child) ?? { regionId: r.child, name: names.get(r.child)!, byStage: {}, byColour: {} };
          c[field][r.key] = (c[field][r.key] ?? 0) + Number(r.n);
          children.set(r.child, c);
        }
      };
      add(byStage as never, 'byStage');
      add(byColour as never, 'byColour');
      return { body: { regionId: region.id, ...totals, children: [...children.values()].sort((a, b) => a.name.localeCompare(b.name)) } };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/projects/:id',
    operationId: 'projects.get',
    summary: 'One project: the record joined to its live workflow state (stage, colour, open deadlines, pending actions)',
    tag: 'projects',
    access: 'authenticated',
    handler: async ({ params, user, deps }) => {
      const row = await loadVisibleProject(deps.db, user, params.id);
      const live = ['closed', 'rejected', 'withdrawn'].includes(row.stage) ? null : await queryProject(deps, row.id);
      return { body: { ...toProjectJson(row), draft: row.draft, live } };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/projects/:id/timeline',
    operationId: 'projects.timeline',
    summary: 'Every event of the project with who and when',
    tag: 'projects',
    access: 'authenticated',
    handler: async ({ params, user, deps }) => {
      await loadVisibleProject(deps.db, user, params.id);
      const rows = await deps.db('project_events as e')
        .leftJoin('users as u', 'u.id', 'e.actor_id')
        .where('e.project_id', params.id)
        .orderBy('e.id')
        .select('e.id', 'e.kind', 'e.actor_id', 'u.display_name', 'e.data', 'e.at');
      return {
        body: { items: rows.map((r) => ({ id: String(r.id), kind: r.kind, actorId: r.actor_id, actorName: r.display_name ?? null, data: r.data, at: r.at.toISOString() })) },
      };
    },
  });

  registry.add({
    method: 'put',
    path: '/api/v1/projects/:id/design',
    operationId: 'design.save',
    summary: 'Save the proposal draft (design or revision stage)',
    tag: 'design',
    access: ['applicant'],
    handler: async ({ params, body, user, deps, requestId }) => {
      const { proposal, title, summary } = body as { proposal: Proposal; title?: string; summary?: string };
      const errors = violationsToErrors('/body/proposal', checkProposal(proposal));
      if (errors.length) throw new BusinessRuleError(errors);
      const row = await deps.db.transaction(async (trx) => {
        const project = await loadVisibleProject(trx, user, params.id);
        requireApplicant(user, project);
        const locked = await trx<ProjectRow>('projects').where({ id: project.id }).forUpdate().first();
        if (!EDITABLE_STAGES.includes(locked!.stage)) throw new IllegalMoveError(locked!.stage, 'saveDesign', `the proposal can be edited in design or revision; the current stage is "${locked!.stage}"`);
        const [after] = await trx<ProjectRow>('projects')
          .where({ id: project.id })
          .update({ draft: JSON.stringify(proposal) as never, amount_asked_fen: String(proposal.amountAskedFen), target_groups: proposal.targetGroups, ...(title ? { title } : {}), ...(summary !== undefined ? { summary } : {}), updated_at: deps.clock() })
          .returning('*');
        await writeAudit(trx, { actorId: user.id, action: 'save-design', objectType: 'project', objectId: project.id, before: project.draft, after: proposal, requestId });
        return after;
      });
      return { body: { ...toProjectJson(row), draft: row.draft } };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/design/submit',
    operationId: 'design.submit',
    summary: "Submit the draft for review: the programme's eligibility rules run first; the draft is frozen as an immutable version",
    tag: 'design',
    access: ['applicant'],
    handler: async ({ params, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireApplicant(user, project);
      if (!EDITABLE_STAGES.includes(project.stage)) throw new IllegalMoveError(project.stage, 'submitDesign');
      const [rules, org] = await Promise.all([programmeRules(deps.db, project.programme_id), findOrganisation(deps.db, project.organisation_id)]);
      const proposal = project.draft as unknown as Proposal;
      const errors = [
        ...violationsToErrors('/draft', checkProposal(proposal)),
        ...checkEligibility(
          rules.eligibility,
          { grade: org!.grade, staffCount: org!.staff_count, certifiedSocialWorkerCount: org!.certified_social_worker_count, volunteerCount: org!.volunteer_count },
          { amountAskedFen: proposal.amountAskedFen, targetGroups: proposal.targetGroups },
        ),
      ];
      if (errors.length) throw new BusinessRuleError(errors, `The proposal fails ${errors.length} rule(s) of the programme: ${errors.map((e) => e.message).join('; ')}`);
      const live = await executeProjectUpdate(deps, project.id, submitDesign, { actorId: user.id }, idempotencyKey);
      return { body: live };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/projects/:id/design/versions',
    operationId: 'design.versions',
    summary: 'The submitted, immutable versions of the proposal',
    tag: 'design',
    access: 'authenticated',
    handler: async ({ params, user, deps }) => {
      await loadVisibleProject(deps.db, user, params.id);
      const rows = await deps.db('design_versions').where({ project_id: params.id }).orderBy('version');
      return { body: { items: rows.map((r) => ({ version: r.version, proposal: r.proposal, submittedBy: r.submitted_by, submittedAt: r.submitted_at.toISOString() })) } };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/withdraw',
    operationId: 'projects.withdraw',
    summary: 'Withdraw the project (before delivery): by its applicant organisation or an officer',
    tag: 'projects',
    access: ['applicant', 'officer'],
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireApplicant(user, project, { officerToo: true });
      const { reason } = body as { reason: string };
      return { body: await executeProjectUpdate(deps, project.id, withdrawProject, { actorId: user.id, reason }, idempotencyKey) };
    },
  });
}
