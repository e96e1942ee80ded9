import type { Knex } from 'knex';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import type { AgreementTerms, EvaluationKind, ServiceRecordInput } from '../workflows/messages';
import type { Stage } from '../workflows/stages';
import { computeColour, indicatorLagPct, spendingDeviationPct, type Colour } from '../workflows/rules/colour';
import type { ColourRules } from '../workflows/rules/programme-rules';

/** A task in someone's inbox: one person, or everyone with a role in the project's region or organisation. */
export interface TaskSpec {
  key: string;
  kind: string;
  title: string;
  dueAt: string | null;
  userId?: string;
  role?: 'officer' | 'applicant' | 'organiser' | 'funder';
  regionPath?: string;
  organisationId?: string;
}

export type ProjectWrite =
  | { op: 'designVersion'; version: number }
  | { op: 'panel'; round: number; reviewerIds: string[]; dueAt: string }
  | { op: 'reassign'; round: number; from: string; to: string; dueAt: string }
  | { op: 'reviewScore'; round: number; reviewerId: string; scores: Record<string, number>; comments: string; total: number }
  | { op: 'reviewDecision'; round: number; decision: string; comment: string; scoreSheet: unknown; revisionDueAt: string | null }
  | { op: 'agreement'; terms: AgreementTerms }
  | { op: 'serviceRecord'; record: ServiceRecordInput }
  | { op: 'spending'; entry: { id: string; budgetItem: string; amountFen: number; spentOn: string; note: string } }
  | { op: 'milestoneDone'; seq: number; note: string }
  | { op: 'monthlyReport'; period: number; summary: string; indicatorProgress: { name: string; achieved: number }[]; late: boolean }
  | { op: 'supervisionVisit'; visit: { id: string; visitedOn: string; scores: Record<string, number>; notes: string }; supervisionIndex: number }
  | { op: 'complaint'; complaint: { id: string; receivedOn: string; description: string } }
  | { op: 'quarterlyReview'; review: { id: string; quarter: string; heldOn: string; notes: string; attendees: string[] } }
  | { op: 'rectificationOpen'; id: string; cause: string; reason: string; dueAt: string; reopenFinalEvaluation?: boolean }
  | { op: 'rectificationPlan'; id: string; plan: string }
  | { op: 'rectificationComplete'; id: string }
  | { op: 'evaluationAssign'; kind: EvaluationKind; evaluatorId: string }
  | { op: 'evaluationSubmit'; kind: EvaluationKind; scores: Record<string, number>; comments: string; score: number; grade: string; subsidy: unknown }
  | { op: 'closure'; finalReport: string };

export interface ProjectEventInput {
  key: string;
  projectId: string;
  at: string;
  kind: string;
  actorId: string | null;
  /** The stage and colour after the event: the read model the API lists from. */
  stage: Stage;
  colour: Colour;
  data: Record<string, unknown>;
  write?: ProjectWrite;
  openTasks?: TaskSpec[];
  /** Key prefixes of tasks this event completes. */
  closeTasks?: string[];
}

/** Time-bank points per volunteer hour (积分): ten a hour, so tenths of an hour count. */
export const POINTS_PER_HOUR = 10;

async function applyWrite(trx: Knex.Transaction, ev: ProjectEventInput, w: ProjectWrite): Promise<void> {
  const projectId = ev.projectId;
  const at = new Date(ev.at);
  switch (w.op) {
    case 'designVersion': {
      const project = await trx('projects').where({ id: projectId }).first('draft', 'amount_asked_fen');
      await trx('design_versions').insert({ project_id: projectId, version: w.version, proposal: project.draft, submitted_by: ev.actorId, submitted_at: at });
      await trx('projects').where({ id: projectId }).update({ current_version: w.version });
      return;
    }
    case 'panel':
      await trx('review_assignments').insert(w.reviewerIds.map((r) => ({ project_id: projectId, round: w.round, reviewer_id: r, status: 'assigned', due_at: w.dueAt, assigned_at: at })));
      return;
    case 'reassign':
      await trx('review_assignments').where({ project_id: projectId, round: w.round, reviewer_id: w.from }).update({ status: 'replaced' });
      await trx('review_assignments').insert({ project_id: projectId, round: w.round, reviewer_id: w.to, status: 'assigned', due_at: w.dueAt, assigned_at: at }).onConflict(['project_id', 'round', 'reviewer_id']).merge({ status: 'assigned', due_at: w.dueAt });
      return;
    case 'reviewScore':
      await trx('review_assignments')
        .where({ project_id: projectId, round: w.round, reviewer_id: w.reviewerId })
        .update({ status: 'scored', scores: JSON.stringify(w.scores), comments: w.comments, total: w.total, scored_at: at });
      return;
    case 'reviewDecision':
      await trx('review_decisions').insert({ project_id: projectId, round: w.round, decision: w.decision, comment: w.comment, score_sheet: JSON.stringify(w.scoreSheet), revision_due_at: w.revisionDueAt, decided_by: ev.actorId, decided_at: at });
      return;
    case 'agreement': {
      const t = w.terms;
      await trx('agreements').insert({
        project_id: projectId, amount_fen: t.amountFen, tranches: JSON.stringify(t.tranches), start_date: t.startDate, end_date: t.endDate,
        funding_sources: JSON.stringify(t.fundingSources), signed_by: ev.actorId, signed_at: at,
      });
      const version = await trx('design_versions').where({ project_id: projectId }).orderBy('version', 'desc').first('proposal');
      const milestones = ((version?.proposal as { milestones?: { name: string; due: string }[] })?.milestones ?? []).map((ms, i) => ({ project_id: projectId, seq: i + 1, name: ms.name, due: ms.due }));
      if (milestones.length) await trx('milestones').insert(milestones);
      return;
    }
    case 'serviceRecord': {
      const r = w.record;
      const hours = r.volunteers.reduce((s, v) => s + v.hours, 0);
      await trx('service_records').insert({ id: r.id, project_id: projectId, activity: r.activity, held_on: r.heldOn, place: r.place, people_served: r.peopleServed, volunteer_hours: hours, recorded_by: ev.actorId, created_at: at });
      if (r.volunteers.length) {
        await checkDailyHours(trx, r);
        await trx('time_bank_entries').insert(r.volunteers.map((v) => ({ volunteer_id: v.volunteerId, service_record_id: r.id, hours: v.hours, points: Math.round(v.hours * POINTS_PER_HOUR), created_at: at })));
      }
      return;
    }
    case 'spending':
      await trx('spending_entries').insert({ id: w.entry.id, project_id: projectId, budget_item: w.entry.budgetItem, amount_fen: w.entry.amountFen, spent_on: w.entry.spentOn, note: w.entry.note, recorded_by: ev.actorId, created_at: at });
      return;
    case 'milestoneDone':
      await trx('milestones').where({ project_id: projectId, seq: w.seq }).update({ done_at: at, note: w.note });
      return;
    case 'monthlyReport':
      await trx('monthly_reports').insert({ project_id: projectId, period: w.period, summary: w.summary, indicator_progress: JSON.stringify(w.indicatorProgress), late: w.late, submitted_by: ev.actorId, submitted_at: at });
      return;
    case 'supervisionVisit':
      await trx('supervision_visits').insert({ id: w.visit.id, project_id: projectId, supervisor_id: ev.actorId, visited_on: w.visit.visitedOn, scores: JSON.stringify(w.visit.scores), supervision_index: w.supervisionIndex, notes: w.visit.notes, created_at: at });
      return;
    case 'complaint':
      await trx('complaints').insert({ id: w.complaint.id, project_id: projectId, received_on: w.complaint.receivedOn, description: w.complaint.description, recorded_by: ev.actorId, created_at: at });
      return;
    case 'quarterlyReview':
      await trx('quarterly_reviews').insert({ id: w.review.id, project_id: projectId, quarter: w.review.quarter, held_on: w.review.heldOn, notes: w.review.notes, attendees: w.review.attendees, recorded_by: ev.actorId, created_at: at });
      return;
    case 'rectificationOpen':
      await trx('rectifications').insert({ id: w.id, project_id: projectId, cause: w.cause, reason: w.reason, due_at: w.dueAt, status: 'open', created_at: at });
      if (w.reopenFinalEvaluation) await trx('evaluations').where({ project_id: projectId, kind: 'final' }).update({ submitted_at: null });
      return;
    case 'rectificationPlan':
      await trx('rectifications').where({ id: w.id }).update({ plan: w.plan, status: 'planned' });
      return;
    case 'rectificationComplete':
      await trx('rectifications').where({ id: w.id }).update({ status: 'completed', completed_at: at });
      return;
    case 'evaluationAssign':
      await trx('evaluations')
        .insert({ project_id: projectId, kind: w.kind, evaluator_id: w.evaluatorId, assigned_at: at })
        .onConflict(['project_id', 'kind'])
        .merge({ evaluator_id: w.evaluatorId, assigned_at: at });
      return;
    case 'evaluationSubmit':
      await trx('evaluations')
        .where({ project_id: projectId, kind: w.kind })
        .update({ scores: JSON.stringify(w.scores), comments: w.comments, score: w.score, grade: w.grade, subsidy: JSON.stringify(w.subsidy), submitted_at: at });
      return;
    case 'closure':
      return; // the final report travels in the event's data
  }
}

/**
 * The API refuses more than 24 hours a day for a volunteer before it asks the workflow; this repeats the
 * check under a lock on the volunteers, so two records racing for the same day cannot both pass.
 */
async function checkDailyHours(trx: Knex.Transaction, r: ServiceRecordInput): Promise<void> {
  const ids = r.volunteers.map((v) => v.volunteerId);
  await trx('volunteers').whereIn('id', ids).orderBy('id').forUpdate().select('id');
  const sameDay = await trx('time_bank_entries as t')
    .join('service_records as s', 's.id', 't.service_record_id')
    .where('s.held_on', r.heldOn)
    .whereIn('t.volunteer_id', ids)
    .groupBy('t.volunteer_id')
    .select('t.volunteer_id', trx.raw('sum(t.hours)::float as hours'));
  const errors = r.volunteers.flatMap((v, i) => {
    const total = (sameDay.find((d) => d.volunteer_id === v.volunteerId)?.hours ?? 0) + v.hours;
    return total > 24 ? [{ field: `/body/volunteers/${i}/hours`, rule: 'hours-per-day', message: `would make ${total} hours on ${r.heldOn}; a day has 24` }] : [];
  });
  if (errors.length) throw ApplicationFailure.create({ type: 'BusinessRule', message: errors.map((e) => `${e.field}: ${e.message}`).join('; '), details: [{ errors }], nonRetryable: true });
}

export function createProjectEventActivities({ db, log }: ActivityDeps) {
  return {
    /**
     * Writes one lifecycle event: its document, the read model, the timeline and the inbox, in one
     * transaction. The event key is unique, so a retried activity finds its own row and does nothing.
     */
    async applyProjectEvent(ev: ProjectEventInput): Promise<{ applied: boolean }> {
      return db.transaction(async (trx) => {
        const data = ev.write?.op === 'closure' ? { ...ev.data, finalReport: ev.write.finalReport } : ev.data;
        const inserted = await trx('project_events')
          .insert({ project_id: ev.projectId, event_key: ev.key, kind: ev.kind, actor_id: ev.actorId, data: JSON.stringify(data), at: ev.at })
          .onConflict('event_key')
          .ignore()
          .returning('id');
        if (inserted.length === 0) {
          log.info('project event already applied', { key: ev.key });
          return { applied: false };
        }
        if (ev.write) await applyWrite(trx, ev, ev.write);
        await trx('projects').where({ id: ev.projectId }).update({ stage: ev.stage, colour: ev.colour, updated_at: ev.at });
        for (const prefix of ev.closeTasks ?? []) {
          await trx('tasks').where('project_id', ev.projectId).where('status', 'open').whereLike('key', `${prefix.replace(/[\\%_]/g, '\\$&')}%`).update({ status: 'done', completed_at: ev.at });
        }
        if (ev.openTasks?.length) {
          await trx('tasks')
            .insert(
              ev.openTasks.map((t) => ({
                key: t.key, user_id: t.userId ?? null, role: t.role ?? null, region_path: t.regionPath ?? null, organisation_id: t.organisationId ?? null,
                project_id: ev.projectId, kind: t.kind, title: t.title, due_at: t.dueAt, status: 'open', created_at: ev.at,
              })),
            )
            .onConflict('key')
            .ignore();
        }
        return { applied: true };
      });
    },

    /**
     * Recomputes the four-colour grade from every fact: overdue reports and complaints (from the
     * workflow), spending against plan and indicator progress against elapsed time (from the records).
     */
    async recomputeColour(input: { projectId: string; key: string; at: string; overdueReports: number; complaints: number; supervisionIndex: number | null; colourRules: ColourRules }): Promise<{ colour: Colour; reasons: string[]; changed: boolean }> {
      return db.transaction(async (trx) => {
        const prior = await trx('colour_changes').where({ event_key: input.key }).first();
        if (prior) return { colour: prior.to_colour as Colour, reasons: prior.reasons as string[], changed: true };
        const project = await trx('projects').where({ id: input.projectId }).forUpdate().first('colour');
        const facts = await colourFacts(trx, input.projectId, new Date(input.at));
        const result = computeColour(input.colourRules, { ...facts, overdueReports: input.overdueReports, complaints: input.complaints, supervisionIndex: input.supervisionIndex });
        const changed = result.colour !== project.colour;
        if (changed) {
          await trx('colour_changes').insert({
            project_id: input.projectId, event_key: input.key, from_colour: project.colour, to_colour: result.colour,
            reasons: JSON.stringify(result.reasons), facts: JSON.stringify({ ...facts, overdueReports: input.overdueReports, complaints: input.complaints, supervisionIndex: input.supervisionIndex }), at: input.at,
          });
          await trx('projects').where({ id: input.projectId }).update({ colour: result.colour });
        }
        return { ...result, changed };
      });
    },
  };
}

/** Spending against the plan to date (budget spread evenly over the agreement) and indicator progress against elapsed time. */
async function colourFacts(trx: Knex.Transaction, projectId: string, at: Date): Promise<{ spendingDeviationPct: number; indicatorLagPct: number }> {
  const agreement = await trx('agreements').where({ project_id: projectId }).first('amount_fen', 'start_date', 'end_date');
  if (!agreement) return { spendingDeviationPct: 0, indicatorLagPct: 0 };
  const start = new Date(agreement.start_date).getTime();
  const end = new Date(agreement.end_date).getTime() + 86_400_000;
  const elapsed = Math.min(1, Math.max(0, (at.getTime() - start) / (end - start)));
  const spent = await trx('spending_entries').where({ project_id: projectId }).sum({ total: 'amount_fen' }).first();
  const planned = Math.round(Number(agreement.amount_fen) * elapsed);
  const version = await trx('design_versions').where({ project_id: projectId }).orderBy('version', 'desc').first('proposal');
  const targets = new Map<string, number>();
  for (const o of (version?.proposal as { objectives?: { indicators: { name: string; target: number }[] }[] })?.objectives ?? []) {
    for (const i of o.indicators) targets.set(i.name, i.target);
  }
  const latest = await trx('monthly_reports').where({ project_id: projectId }).orderBy('period', 'desc').first('indicator_progress');
  const progress = (latest?.indicator_progress as { name: string; achieved: number }[] | undefined) ?? [];
  const shares = [...targets].map(([name, target]) => Math.min(1, (progress.find((p) => p.name === name)?.achieved ?? 0) / target));
  const achieved = shares.length ? shares.reduce((s, x) => s + x, 0) / shares.length : 1;
  // Too early to judge progress before a report is due: no lag until the first report exists.
  return {
    spendingDeviationPct: spendingDeviationPct(Number(spent?.total ?? 0), planned, Number(agreement.amount_fen)),
    indicatorLagPct: latest ? indicatorLagPct(elapsed, achieved) : 0,
  };
}

