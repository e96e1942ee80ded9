import type { Knex } from 'knex';
import { assignPanel, decideReview, reassignReviewer, submitReviewScore } from '../../workflows/messages';
import { checkScores } from '../../workflows/rules/review';
import type { ProgrammeRules } from '../../workflows/rules/programme-rules';
import type { Role } from '../../db/repositories/users';
import { writeAudit } from '../../db/repositories/audit';
import { BusinessRuleError, ForbiddenError, IllegalMoveError, type FieldError } from '../errors';
import { loadVisibleProject, requireOfficer, type ProjectRow } from '../project-access';
import { executeProjectUpdate } from '../project-service';
import type { RouteRegistry } from '../registry';

/**
 * Why a person may not review, supervise or evaluate a project: the wrong role, disabled, a member of
 * the applicant organisation, or a declared conflict with it. Empty when they may.
 */
export async function independenceProblems(db: Knex, userIds: string[], project: ProjectRow, role: Role, field: string): Promise<FieldError[]> {
  const users = await db('users').whereIn('id', userIds).select('id', 'roles', 'organisation_id', 'disabled');
  const conflicts = new Set((await db('conflict_declarations').whereIn('user_id', userIds).where({ organisation_id: project.organisation_id }).select('user_id')).map((c) => c.user_id));
  const errors: FieldError[] = [];
  userIds.forEach((id, i) => {
    const u = users.find((x) => x.id === id);
    const at = userIds.length > 1 || field.endsWith('s') ? `${field}/${i}` : field;
    if (!u || !u.roles.includes(role) || u.disabled) errors.push({ field: at, rule: `is-${role}`, message: `is not an active ${role}` });
    else if (u.organisation_id === project.organisation_id) errors.push({ field: at, rule: 'independent', message: 'belongs to the applicant organisation' });
    else if (conflicts.has(id)) errors.push({ field: at, rule: 'no-conflict', message: 'declared a conflict of interest with the applicant organisation' });
  });
  return errors;
}

/** Independent reviewers with the lightest open load first (ties by id): a deterministic, balanced pick. */
async function pickReviewers(db: Knex, project: ProjectRow, count: number, exclude: string[] = []): Promise<string[]> {
  const rows = await db('users as u')
    .whereRaw("'reviewer' = ANY(u.roles)")
    .where('u.disabled', false)
    .where((w) => w.whereNull('u.organisation_id').orWhereNot('u.organisation_id', project.organisation_id))
    .whereNotExists((s) => s.select(db.raw('1')).from('conflict_declarations as c').whereRaw('c.user_id = u.id').where('c.organisation_id', project.organisation_id))
    .whereNotIn('u.id', exclude.length ? exclude : ['00000000-0000-0000-0000-000000000000'])
    .select('u.id', db.raw("(select count(*) from review_assignments ra where ra.reviewer_id = u.id and ra.status = 'assigned')::int as load"))
    .orderBy([{ column: 'load', order: 'asc' }, { column: 'u.id', order: 'asc' }])
    .limit(count);
  return rows.map((r) => r.id as string);
}

async function rulesOf(db: Knex, project: ProjectRow): Promise<ProgrammeRules> {
  return (await db('programmes').where({ id: project.programme_id }).first('rules')).rules as ProgrammeRules;
}

export function registerReviewRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/review/panel',
    operationId: 'review.assignPanel',
    summary: "Assign the review panel: named reviewers, or automatically the least-loaded independent ones (never from the applicant organisation or one they declared a conflict with)",
    tag: 'review',
    access: ['officer'],
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireOfficer(user, project);
      if (project.stage !== 'review') throw new IllegalMoveError(project.stage, 'assignPanel');
      const rules = await rulesOf(deps.db, project);
      const input = body as { reviewerIds?: string[] };
      let reviewerIds = input.reviewerIds;
      if (reviewerIds) {
        const errors = await independenceProblems(deps.db, reviewerIds, project, 'reviewer', '/body/reviewerIds');
        if (errors.length) throw new BusinessRuleError(errors);
      } else {
        reviewerIds = await pickReviewers(deps.db, project, rules.review.panelSize);
        if (reviewerIds.length < rules.review.panelSize) {
          throw new BusinessRuleError([{ field: '/body', rule: 'enough-reviewers', message: `the panel needs ${rules.review.panelSize} independent reviewers; only ${reviewerIds.length} are free of conflict` }]);
        }
      }
      return { body: await executeProjectUpdate(deps, project.id, assignPanel, { actorId: user.id, reviewerIds }, idempotencyKey) };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/review/reassign',
    operationId: 'review.reassign',
    summary: 'Replace a reviewer who has not scored (e.g. after a missed deadline) with a named or automatically chosen independent reviewer',
    tag: 'review',
    access: ['officer'],
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireOfficer(user, project);
      const input = body as { fromReviewerId: string; toReviewerId?: string };
      let to = input.toReviewerId;
      if (to) {
        const errors = await independenceProblems(deps.db, [to], project, 'reviewer', '/body/toReviewerId');
        if (errors.length) throw new BusinessRuleError(errors);
      } else {
        const onPanel = (await deps.db('review_assignments').where({ project_id: project.id, round: project.current_version }).select('reviewer_id')).map((r) => r.reviewer_id);
        [to] = await pickReviewers(deps.db, project, 1, onPanel);
        if (!to) throw new BusinessRuleError([{ field: '/body', rule: 'enough-reviewers', message: 'no other independent reviewer is free' }]);
      }
      return { body: await executeProjectUpdate(deps, project.id, reassignReviewer, { actorId: user.id, fromReviewerId: input.fromReviewerId, toReviewerId: to }, idempotencyKey) };
    },
  });

  registry.add({
    method: 'put',
    path: '/api/v1/projects/:id/review/score',
    operationId: 'review.score',
    summary: "A panel reviewer scores the programme's weighted rubric with comments (can be revised until the decision)",
    tag: 'review',
    access: ['reviewer'],
    handler: async ({ params, body, user, deps }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      const seat = await deps.db('review_assignments').where({ project_id: project.id, round: project.current_version, reviewer_id: user.id }).whereNot('status', 'replaced').first();
      if (!seat) throw new ForbiddenError("You are not on this project's current review panel.");
      const rules = await rulesOf(deps.db, project);
      const input = body as { scores: Record<string, number>; comments: string };
      const errors = checkScores(rules.review.criteria, input.scores).map((e) => ({ ...e, field: `/body/scores${e.field.replace(/^\/scores/, '')}` }));
      if (errors.length) throw new BusinessRuleError(errors);
      return { body: await executeProjectUpdate(deps, project.id, submitReviewScore, { actorId: user.id, scores: input.scores, comments: input.comments }) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/projects/:id/review',
    operationId: 'review.get',
    summary: 'The review of the current version: panel, scores (a reviewer sees only their own), and the decision',
    tag: 'review',
    access: ['officer', 'reviewer', 'applicant', 'admin'],
    handler: async ({ params, user, deps }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      const round = project.current_version;
      const seesAll = user.roles.includes('officer') || user.roles.includes('admin');
      const rows = await deps.db('review_assignments as ra').join('users as u', 'u.id', 'ra.reviewer_id').where({ 'ra.project_id': project.id, 'ra.round': round }).select('ra.*', 'u.display_name');
      const decision = await deps.db('review_decisions').where({ project_id: project.id, round }).first();
      const panel = rows.map((r) => {
        const mine = r.reviewer_id === user.id;
        const full = seesAll || mine;
        return {
          reviewerId: seesAll || mine ? r.reviewer_id : null,
          reviewerName: seesAll || mine ? r.display_name : null,
          status: r.status,
          dueAt: r.due_at.toISOString(),
          total: full || decision ? (r.total === null ? null : Number(r.total)) : null,
          scores: full ? r.scores : null,
          comments: full ? r.comments : null,
        };
      });
      return {
        body: {
          round,
          panel,
          decision: decision ? { decision: decision.decision, comment: decision.comment, scoreSheet: decision.score_sheet, revisionDueAt: decision.revision_due_at?.toISOString() ?? null, decidedAt: decision.decided_at.toISOString() } : null,
        },
      };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/review/decision',
    operationId: 'review.decide',
    summary: 'The officer approves, sends back for revision (with the programme\'s deadline) or rejects, once every score is in',
    tag: 'review',
    access: ['officer'],
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireOfficer(user, project);
      const input = body as { decision: 'approve' | 'revise' | 'reject'; comment: string };
      return { body: await executeProjectUpdate(deps, project.id, decideReview, { actorId: user.id, ...input }, idempotencyKey) };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/me/conflicts',
    operationId: 'conflicts.declare',
    summary: 'Declare a conflict of interest with an organisation: you will never be assigned its projects',
    tag: 'review',
    access: ['reviewer', 'supervisor', 'evaluator', 'organiser'],
    status: 201,
    handler: async ({ body, user, deps, requestId }) => {
      const input = body as { organisationId: string; reason: string };
      if (!(await deps.db('organisations').where({ id: input.organisationId }).first('id'))) {
        throw new BusinessRuleError([{ field: '/body/organisationId', rule: 'exists', message: 'names no existing organisation' }]);
      }
      await deps.db.transaction(async (trx) => {
        await trx('conflict_declarations').insert({ user_id: user.id, organisation_id: input.organisationId, reason: input.reason }).onConflict(['user_id', 'organisation_id']).merge({ reason: input.reason });
        await writeAudit(trx, { actorId: user.id, action: 'declare-conflict', objectType: 'organisation', objectId: input.organisationId, after: input, requestId });
      });
      return { status: 201, body: { organisationId: input.organisationId, reason: input.reason } };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/me/conflicts',
    operationId: 'conflicts.list',
    summary: 'Your declared conflicts of interest',
    tag: 'review',
    access: 'authenticated',
    handler: async ({ user, deps }) => {
      const rows = await deps.db('conflict_declarations').where({ user_id: user.id }).orderBy('created_at');
      return { body: { items: rows.map((r) => ({ organisationId: r.organisation_id, reason: r.reason, declaredAt: r.created_at.toISOString() })) } };
    },
  });
}

