import crypto from 'node:crypto';
import {
  completeMilestone, completeRectification, fundDirectly, recordComplaint, recordQuarterlyReview, recordServiceRecord, recordSpending,
  recordSupervisionVisit, submitMonthlyReport, submitRectificationPlan, type AgreementTerms,
} from '../../workflows/messages';
import { checkSupervisionScores } from '../../workflows/rules/supervision';
import type { ProgrammeRules } from '../../workflows/rules/programme-rules';
import { writeAudit } from '../../db/repositories/audit';
import { BusinessRuleError, ForbiddenError, IllegalMoveError, NotFoundError, type FieldError } from '../errors';
import { isTerminal, moveAllowed, type Stage } from '../../workflows/stages';
import { loadVisibleProject, requireApplicant, requireOfficer } from '../projects/access';
import { executeProjectUpdate } from '../projects/service';
import type { RouteRegistry } from '../registry';
import { independenceProblems } from '../projects/independence';

export function registerDeliveryRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/agreement',
    operationId: 'delivery.fund',
    summary: 'Fund an approved project directly (government purchase of services): sign the agreement (amount, tranches, start and end) and start delivery',
    tag: 'delivery',
    access: ['officer'],
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireOfficer(user, project);
      const input = body as Omit<AgreementTerms, 'fundingSources'> & { fundingSources?: AgreementTerms['fundingSources'] };
      const agreement: AgreementTerms = { ...input, fundingSources: input.fundingSources ?? [{ funderOrganisationId: null, name: 'Government purchase of services', kind: 'government', valueFen: input.amountFen }] };
      return { body: await executeProjectUpdate(deps, project.id, fundDirectly, { actorId: user.id, agreement }, idempotencyKey) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/projects/:id/delivery',
    operationId: 'delivery.get',
    summary: 'Delivery at a glance: agreement, milestones, totals of service records, volunteer hours and spending per budget line',
    tag: 'delivery',
    access: 'authenticated',
    handler: async ({ params, user, deps }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      const [agreement, milestones, service, spending] = await Promise.all([
        deps.db('agreements').where({ project_id: project.id }).first(),
        deps.db('milestones').where({ project_id: project.id }).orderBy('seq'),
        deps.db('service_records').where({ project_id: project.id }).select(deps.db.raw('count(*)::int as records, coalesce(sum(people_served),0)::int as people, coalesce(sum(volunteer_hours),0)::float as hours')).first(),
        deps.db('spending_entries').where({ project_id: project.id }).groupBy('budget_item').select('budget_item', deps.db.raw('sum(amount_fen)::bigint as total')),
      ]);
      return {
        body: {
          agreement: agreement
            ? { amountFen: Number(agreement.amount_fen), startDate: agreement.start_date.toISOString().slice(0, 10), endDate: agreement.end_date.toISOString().slice(0, 10), tranches: agreement.tranches, fundingSources: agreement.funding_sources, signedAt: agreement.signed_at.toISOString() }
            : null,
          milestones: milestones.map((m) => ({ seq: m.seq, name: m.name, due: m.due.toISOString().slice(0, 10), doneAt: m.done_at?.toISOString() ?? null, note: m.note })),
          serviceRecords: service.records,
          peopleServed: service.people,
          volunteerHours: service.hours,
          spendingByBudgetItem: spending.map((s) => ({ budgetItem: s.budget_item, amountFen: Number(s.total) })),
        },
      };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/milestones/:seq/complete',
    operationId: 'delivery.completeMilestone',
    summary: 'Mark a milestone of the activity plan done',
    tag: 'delivery',
    access: ['applicant'],
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireApplicant(user, project);
      const milestone = await deps.db('milestones').where({ project_id: project.id, seq: params.seq }).first();
      if (!milestone) throw new NotFoundError('milestone');
      return { body: await executeProjectUpdate(deps, project.id, completeMilestone, { actorId: user.id, seq: Number(params.seq), note: (body as { note?: string }).note ?? '' }, idempotencyKey) };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/service-records',
    operationId: 'delivery.recordService',
    summary: "Record a service activity (date, place, people served, volunteers and their hours); each volunteer's hours credit their time bank exactly once",
    tag: 'delivery',
    access: ['applicant'],
    status: 201,
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireApplicant(user, project);
      const input = body as { activity: string; heldOn: string; place: string; peopleServed: number; volunteers: { volunteerId: string; hours: number }[] };
      const ids = input.volunteers.map((v) => v.volunteerId);
      const errors: FieldError[] = [];
      if (new Set(ids).size !== ids.length) errors.push({ field: '/body/volunteers', rule: 'unique-volunteers', message: 'lists a volunteer twice; give their total hours once' });
      const known = new Set((await deps.db('volunteers').whereIn('id', ids).select('id')).map((v) => v.id));
      ids.forEach((id, i) => {
        if (!known.has(id)) errors.push({ field: `/body/volunteers/${i}/volunteerId`, rule: 'exists', message: 'names no registered volunteer' });
      });
      // A volunteer's hours over all records of one day cannot pass 24.
      const sameDay = await deps.db('time_bank_entries as t').join('service_records as s', 's.id', 't.service_record_id').where('s.held_on', input.heldOn).whereIn('t.volunteer_id', ids).groupBy('t.volunteer_id').select('t.volunteer_id', deps.db.raw('sum(t.hours)::float as hours'));
      input.volunteers.forEach((v, i) => {
        const already = sameDay.find((d) => d.volunteer_id === v.volunteerId)?.hours ?? 0;
        if (already + v.hours > 24) errors.push({ field: `/body/volunteers/${i}/hours`, rule: 'hours-per-day', message: `would make ${already + v.hours} hours on ${input.heldOn}; a day has 24` });
      });
      if (errors.length) throw new BusinessRuleError(errors);
      const record = { id: idempotencyKey ? uuidFrom(idempotencyKey) : crypto.randomUUID(), ...input };
      return { status: 201, body: { id: record.id, live: await executeProjectUpdate(deps, project.id, recordServiceRecord, { actorId: user.id, record }, idempotencyKey) } };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/spending',
    operationId: 'delivery.recordSpending',
    summary: 'Record spending against a budget line of the approved proposal',
    tag: 'delivery',
    access: ['applicant'],
    status: 201,
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireApplicant(user, project);
      const input = body as { budgetItem: string; amountFen: number; spentOn: string; note?: string };
      // Before delivery there are no approved budget lines to check against: name the stage, not the line.
      if (!moveAllowed(project.stage as Stage, 'recordSpending')) throw new IllegalMoveError(project.stage, 'recordSpending');
      const version = await deps.db('design_versions').where({ project_id: project.id }).orderBy('version', 'desc').first('proposal');
      const items = ((version?.proposal?.budgetLines ?? []) as { item: string }[]).map((b) => b.item);
      if (!items.includes(input.budgetItem)) throw new BusinessRuleError([{ field: '/body/budgetItem', rule: 'budget-line', message: `is not a budget line of the proposal (${items.join(', ')})` }]);
      const entry = { id: idempotencyKey ? uuidFrom(idempotencyKey) : crypto.randomUUID(), budgetItem: input.budgetItem, amountFen: input.amountFen, spentOn: input.spentOn, note: input.note ?? '' };
      return { status: 201, body: { id: entry.id, live: await executeProjectUpdate(deps, project.id, recordSpending, { actorId: user.id, entry }, idempotencyKey) } };
    },
  });

  // ---- monitoring -------------------------------------------------------------------------------
  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/reports',
    operationId: 'monitoring.submitReport',
    summary: 'Submit the monthly report (月报) for a period: summary and indicator progress; one report per period',
    tag: 'monitoring',
    access: ['applicant'],
    status: 201,
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireApplicant(user, project);
      const input = body as { period: number; summary: string; indicatorProgress: { name: string; achieved: number }[] };
      return { status: 201, body: await executeProjectUpdate(deps, project.id, submitMonthlyReport, { actorId: user.id, ...input }, idempotencyKey) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/projects/:id/monitoring',
    operationId: 'monitoring.get',
    summary: 'Monitoring record: monthly reports, supervision visits, complaints, quarterly reviews, rectifications and every colour change with its reason',
    tag: 'monitoring',
    access: 'authenticated',
    handler: async ({ params, user, deps }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      const id = project.id;
      const [reports, visits, complaints, quarterly, rectifications, colours] = await Promise.all([
        deps.db('monthly_reports').where({ project_id: id }).orderBy('period'),
        deps.db('supervision_visits').where({ project_id: id }).orderBy('visited_on'),
        deps.db('complaints').where({ project_id: id }).orderBy('received_on'),
        deps.db('quarterly_reviews').where({ project_id: id }).orderBy('held_on'),
        deps.db('rectifications').where({ project_id: id }).orderBy('created_at'),
        deps.db('colour_changes').where({ project_id: id }).orderBy('id'),
      ]);
      const day = (d: Date) => d.toISOString().slice(0, 10);
      return {
        body: {
          colour: project.colour,
          reports: reports.map((r) => ({ period: r.period, summary: r.summary, indicatorProgress: r.indicator_progress, late: r.late, submittedAt: r.submitted_at.toISOString() })),
          supervisionVisits: visits.map((v) => ({ id: v.id, supervisorId: v.supervisor_id, visitedOn: day(v.visited_on), scores: v.scores, supervisionIndex: Number(v.supervision_index), notes: v.notes })),
          complaints: complaints.map((c) => ({ id: c.id, receivedOn: day(c.received_on), description: c.description })),
          quarterlyReviews: quarterly.map((q) => ({ id: q.id, quarter: q.quarter, heldOn: day(q.held_on), notes: q.notes, attendees: q.attendees })),
          rectifications: rectifications.map((r) => ({ id: r.id, cause: r.cause, reason: r.reason, plan: r.plan, dueAt: r.due_at.toISOString(), status: r.status, completedAt: r.completed_at?.toISOString() ?? null })),
          colourChanges: colours.map((c) => ({ from: c.from_colour, to: c.to_colour, reasons: c.reasons, facts: c.facts, at: c.at.toISOString() })),
        },
      };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/supervisor',
    operationId: 'monitoring.assignSupervisor',
    summary: 'Assign the expert supervisor (督导) who visits the project (never from the applicant organisation or one they declared a conflict with)',
    tag: 'monitoring',
    access: ['officer'],
    handler: async ({ params, body, user, deps, requestId }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireOfficer(user, project);
      const { supervisorId } = body as { supervisorId: string };
      // A closed, rejected or withdrawn project has nothing left to supervise: its task could never be done.
      if (isTerminal(project.stage as Stage)) throw new IllegalMoveError(project.stage, 'assignSupervisor');
      const errors = await independenceProblems(deps.db, [supervisorId], project, 'supervisor', '/body/supervisorId');
      if (errors.length) throw new BusinessRuleError(errors);
      await deps.db.transaction(async (trx) => {
        await trx('projects').where({ id: project.id }).update({ supervisor_id: supervisorId });
        await trx('tasks').insert({ key: `${project.id}:supervise:${supervisorId}`, user_id: supervisorId, project_id: project.id, kind: 'supervise', title: 'Visit and supervise this project', status: 'open' }).onConflict('key').ignore();
        await writeAudit(trx, { actorId: user.id, action: 'assign-supervisor', objectType: 'project', objectId: project.id, before: { supervisorId: project.supervisor_id }, after: { supervisorId }, requestId });
      });
      return { body: { projectId: project.id, supervisorId } };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/supervision-visits',
    operationId: 'monitoring.recordVisit',
    summary: "The assigned supervisor records a visit: scores per supervision dimension (0-100) give the supervision index (社工督导指数)",
    tag: 'monitoring',
    access: ['supervisor'],
    status: 201,
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      if (project.supervisor_id !== user.id) throw new ForbiddenError('Only the supervisor assigned to this project may record visits.');
      const input = body as { visitedOn: string; scores: Record<string, number>; notes?: string };
      const rules = (await deps.db('programmes').where({ id: project.programme_id }).first('rules')).rules as ProgrammeRules;
      const errors = checkSupervisionScores(rules.monitoring.supervisionDimensions, input.scores).map((e) => ({ ...e, field: `/body/scores${e.field.replace(/^\/scores/, '')}` }));
      if (errors.length) throw new BusinessRuleError(errors);
      const visit = { id: idempotencyKey ? uuidFrom(idempotencyKey) : crypto.randomUUID(), visitedOn: input.visitedOn, scores: input.scores, notes: input.notes ?? '' };
      return { status: 201, body: await executeProjectUpdate(deps, project.id, recordSupervisionVisit, { actorId: user.id, visit }, idempotencyKey) };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/complaints',
    operationId: 'monitoring.recordComplaint',
    summary: 'Record a complaint about the project (it counts toward the colour grade)',
    tag: 'monitoring',
    access: ['officer'],
    status: 201,
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireOfficer(user, project);
      const input = body as { receivedOn: string; description: string };
      const complaint = { id: idempotencyKey ? uuidFrom(idempotencyKey) : crypto.randomUUID(), ...input };
      return { status: 201, body: await executeProjectUpdate(deps, project.id, recordComplaint, { actorId: user.id, complaint }, idempotencyKey) };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/quarterly-reviews',
    operationId: 'monitoring.recordQuarterlyReview',
    summary: 'Record the quarterly review meeting (季例会)',
    tag: 'monitoring',
    access: ['officer'],
    status: 201,
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireOfficer(user, project);
      const input = body as { quarter: string; heldOn: string; notes: string; attendees?: string[] };
      const exists = await deps.db('quarterly_reviews').where({ project_id: project.id, quarter: input.quarter }).first('id');
      if (exists) throw new BusinessRuleError([{ field: '/body/quarter', rule: 'one-per-quarter', message: `the review of ${input.quarter} is already recorded` }]);
      const review = { id: idempotencyKey ? uuidFrom(idempotencyKey) : crypto.randomUUID(), quarter: input.quarter, heldOn: input.heldOn, notes: input.notes, attendees: input.attendees ?? [] };
      return { status: 201, body: await executeProjectUpdate(deps, project.id, recordQuarterlyReview, { actorId: user.id, review }, idempotencyKey) };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/rectification/plan',
    operationId: 'monitoring.submitRectificationPlan',
    summary: 'The applicant submits the rectification plan (整改) a red grade or a failing evaluation requires',
    tag: 'monitoring',
    access: ['applicant'],
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireApplicant(user, project);
      return { body: await executeProjectUpdate(deps, project.id, submitRectificationPlan, { actorId: user.id, plan: (body as { plan: string }).plan }, idempotencyKey) };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/projects/:id/rectification/complete',
    operationId: 'monitoring.completeRectification',
    summary: 'The officer accepts the rectification: back to delivery (red grade) or to the final evaluation (failing evaluation)',
    tag: 'monitoring',
    access: ['officer'],
    handler: async ({ params, body, user, deps, idempotencyKey }) => {
      const project = await loadVisibleProject(deps.db, user, params.id);
      requireOfficer(user, project);
      return { body: await executeProjectUpdate(deps, project.id, completeRectification, { actorId: user.id, note: (body as { note?: string }).note ?? '' }, idempotencyKey) };
    },
  });
}

/** A stable id from an Idempotency-Key, so a retried request writes the same document. */
export function uuidFrom(key: string): string {
  const h = crypto.createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
