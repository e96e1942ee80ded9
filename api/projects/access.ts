// Who may see and move a project, and what of a reviewer's identity a reader may learn.
import type { Knex } from 'knex';
import { findVisibleProject, findVisibleProjectWithRules, type ProjectRow } from '../../db/repositories/projects';
import type { ProgrammeRules } from '../../workflows/rules/programme-rules';
import type { ProjectView } from '../../workflows/messages';
import type { Principal } from '../auth';
import { ForbiddenError, NotFoundError } from '../errors';
import { msg } from '../../i18n';

export { whereVisible, toProjectJson, type ProjectRow } from '../../db/repositories/projects';

/** The project if this user may see it; otherwise 404, so its existence is not revealed. */
export async function loadVisibleProject(db: Knex | Knex.Transaction, user: Principal, projectId: string): Promise<ProjectRow> {
  const row = await findVisibleProject(db, user, projectId);
  if (!row) throw new NotFoundError('project');
  return row;
}

/** The project if this user may see it (else 404), with its programme's rules, read in one query. */
export async function loadVisibleProjectWithRules(db: Knex | Knex.Transaction, user: Principal, projectId: string): Promise<{ project: ProjectRow; rules: ProgrammeRules }> {
  const found = await findVisibleProjectWithRules(db, user, projectId);
  if (!found) throw new NotFoundError('project');
  return { project: found.project, rules: found.rules as ProgrammeRules };
}

/** A move reserved to the applicant organisation that owns the project (or, where allowed, an officer in scope). */
export function requireApplicant(user: Principal, project: ProjectRow, opts: { officerToo?: boolean } = {}): void {
  if (user.roles.includes('applicant') && user.organisationId === project.organisation_id) return;
  if (opts.officerToo && isOfficerInScope(user, project)) return;
  throw new ForbiddenError(msg(opts.officerToo ? 'problem.forbidden.applicant-or-officer' : 'problem.forbidden.applicant'));
}

export function isOfficerInScope(user: Principal, project: Pick<ProjectRow, 'region_path'>): boolean {
  return user.roles.includes('officer') && (user.regionPath === null || project.region_path.startsWith(user.regionPath));
}

export function requireOfficer(user: Principal, project: ProjectRow): void {
  if (!isOfficerInScope(user, project)) throw new ForbiddenError(msg('problem.forbidden.officer-in-scope'));
}

// ---- reviewer identity ------------------------------------------------------------------------------------------

/**
 * Who may learn who reviewed a project: admins and the officers over it. A reviewer learns only their own seat;
 * everyone else (the applicant above all) learns neither names nor ids, in any answer, at any stage.
 */
export function seesReviewers(user: Principal, project: Pick<ProjectRow, 'region_path'>): boolean {
  return user.roles.includes('admin') || isOfficerInScope(user, project);
}

/** A reviewer id as this reader may see it: their own, or none. */
export function reviewerIdFor(user: Principal, project: Pick<ProjectRow, 'region_path'>, reviewerId: string | null): string | null {
  return seesReviewers(user, project) || reviewerId === user.id ? reviewerId : null;
}

type Seat = NonNullable<ProjectView['evaluations']['final']>;
type SeatOut = (Omit<Seat, 'evaluatorId'> & { evaluatorId: string | null }) | null;

export interface ProjectViewOut extends Omit<ProjectView, 'panel' | 'evaluations'> {
  panel: (Omit<ProjectView['panel'][number], 'reviewerId'> & { reviewerId: string | null })[];
  evaluations: { mid_term: SeatOut; final: SeatOut };
}

/** An evaluator's id as this reader may see it: like a reviewer's, their own or none. */
export const evaluatorIdFor = reviewerIdFor;

/** The live state of a project as this reader may see it: reviewers' ids only to those who may learn them. */
export function projectViewFor(user: Principal, project: Pick<ProjectRow, 'region_path'>, view: ProjectView): ProjectViewOut {
  if (seesReviewers(user, project)) return view;
  const reviewers = new Set(view.panel.map((p) => p.reviewerId));
  const evaluators = new Set([view.evaluations.mid_term?.evaluatorId, view.evaluations.final?.evaluatorId].filter((e) => e !== undefined));
  const who = (w: string) => (w === user.id ? w : reviewers.has(w) ? 'reviewer' : evaluators.has(w) ? 'evaluator' : w);
  const seat = (e: Seat | null): SeatOut => e && { ...e, evaluatorId: e.evaluatorId === user.id ? e.evaluatorId : null };
  return {
    ...view,
    panel: view.panel.map((p) => ({ ...p, reviewerId: p.reviewerId === user.id ? p.reviewerId : null })),
    evaluations: { mid_term: seat(view.evaluations.mid_term), final: seat(view.evaluations.final) },
    openDeadlines: view.openDeadlines.map((d) => ({ ...d, who: who(d.who) })),
    pendingActions: view.pendingActions.map((a) => ({ ...a, who: who(a.who) })),
  };
}

export interface ScoreSheetOut {
  totals: { reviewerId: string | null; total: number | null }[];
  mean: number;
  spread: number;
}

/** A decision's score sheet without the other reviewers' ids, for readers who may not learn them. */
export function scoreSheetFor(user: Principal, project: Pick<ProjectRow, 'region_path'>, sheet: ScoreSheetOut): ScoreSheetOut {
  return { ...sheet, totals: sheet.totals.map((t) => ({ ...t, reviewerId: reviewerIdFor(user, project, t.reviewerId) })) };
}

/** Timeline events that name reviewers or evaluators, and which of their fields do. */
const REVIEWER_EVENTS = new Set(['panelAssigned', 'reviewerReassigned', 'reviewScored', 'reviewDecided', 'reviewReminder', 'reviewOverdue', 'evaluatorAssigned', 'evaluationSubmitted']);

export interface TimelineEvent {
  id: string;
  kind: string;
  actorId: string | null;
  actorName: string | null;
  data: Record<string, unknown>;
  at: string;
}

/** A timeline event as this reader may see it: who reviewed or evaluated stays hidden from those who may not learn it. */
export function timelineEventFor(user: Principal, project: Pick<ProjectRow, 'region_path'>, ev: TimelineEvent): TimelineEvent {
  if (!REVIEWER_EVENTS.has(ev.kind) || seesReviewers(user, project)) return ev;
  const own = (id: unknown) => (id === user.id ? id : null);
  const data = { ...ev.data };
  if (Array.isArray(data.reviewerIds)) data.reviewerIds = data.reviewerIds.map(own);
  if ('reviewerId' in data) data.reviewerId = own(data.reviewerId);
  if ('evaluatorId' in data) data.evaluatorId = own(data.evaluatorId);
  if ('from' in data && ev.kind === 'reviewerReassigned') data.from = own(data.from);
  if ('to' in data && ev.kind === 'reviewerReassigned') data.to = own(data.to);
  if (data.scoreSheet && typeof data.scoreSheet === 'object') {
    const sheet = data.scoreSheet as ScoreSheetOut;
    data.scoreSheet = { ...sheet, totals: (sheet.totals ?? []).map((t) => ({ ...t, reviewerId: own(t.reviewerId) })) };
  }
  // A score is recorded by its reviewer: the actor is the reviewer.
  const actorHidden = (ev.kind === 'reviewScored' || ev.kind === 'evaluationSubmitted') && ev.actorId !== user.id;
  return { ...ev, data, ...(actorHidden ? { actorId: null, actorName: null } : {}) };
}
