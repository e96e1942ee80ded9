// Delivery (项目实施): direct funding (the agreement), milestones, service records with the volunteers' time bank,
// and spending against the proposal's budget lines.
//
// The request's own checks read no stage unless they fail: a move retried with its Idempotency-Key after it applied
// (the first answer was a 503) reaches the workflow, which answers the applied update's result.
import type { Knex } from 'knex';
import {
  agreementOf, budgetItems, hoursOnDay, knownVolunteerIds, milestoneExists, milestonesOf, overlappingShifts, sameShifts, serviceTotals, spendingByBudgetItem, toAgreement, toMilestone,
} from '../../db/repositories/delivery';
import { shiftOverlap, shiftTakenMessage } from '../../workflows/rules/shifts';
import type { ProjectRow } from '../../db/repositories/projects';
import {
  completeMilestone as completeMilestoneUpdate, fundDirectly as fundDirectlyUpdate, recordServiceRecord, recordSpending as recordSpendingUpdate, type AgreementTerms,
} from '../../workflows/messages';
import { moveAllowed, type Move } from '../../workflows/stages';
import type { Principal } from '../auth';
import type { AppDeps } from '../deps';
import { BusinessRuleError, ConflictError, IllegalMoveError, NotFoundError, type FieldError, says } from '../errors';
import { loadVisibleProject, requireApplicant, requireOfficer, type ProjectViewOut } from '../projects/access';
import { documentIdFrom } from '../projects/ids';
import { moveProject } from '../projects/service';

/** Refuses a request whose own checks failed: for its stage first (409), as the workflow would, else for its rules (422). */
function refuse(project: ProjectRow, move: Move, errors: FieldError[]): never {
  if (!moveAllowed(project.stage, move)) throw new IllegalMoveError(project.stage, move);
  throw new BusinessRuleError(errors);
}

export type AgreementInput = Omit<AgreementTerms, 'fundingSources'> & { fundingSources?: AgreementTerms['fundingSources'] };

export async function fundDirectly(deps: AppDeps, user: Principal, projectId: string, input: AgreementInput, updateId?: string): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireOfficer(user, project);
  const agreement: AgreementTerms = {
    ...input,
    fundingSources: input.fundingSources ?? [{ funderOrganisationId: null, name: 'Government purchase of services', kind: 'government', valueFen: input.amountFen }],
  };
  return moveProject(deps, user, project, fundDirectlyUpdate, { actorId: user.id, agreement }, updateId);
}

export async function getDelivery(db: Knex, user: Principal, projectId: string) {
  const project = await loadVisibleProject(db, user, projectId);
  const [agreement, milestones, service, spending] = await Promise.all([agreementOf(db, project.id), milestonesOf(db, project.id), serviceTotals(db, project.id), spendingByBudgetItem(db, project.id)]);
  return {
    agreement: agreement ? toAgreement(agreement) : null,
    milestones: milestones.map(toMilestone),
    serviceRecords: service.records,
    peopleServed: service.people,
    volunteerHours: service.hours,
    spendingByBudgetItem: spending,
  };
}

export async function completeMilestone(deps: AppDeps, user: Principal, projectId: string, seq: number, note: string, updateId?: string): Promise<ProjectViewOut> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireApplicant(user, project);
  if (!(await milestoneExists(deps.db, project.id, seq))) throw new NotFoundError('milestone');
  return moveProject(deps, user, project, completeMilestoneUpdate, { actorId: user.id, seq, note }, updateId);
}

export interface ServiceRecordBody {
  activity: string;
  heldOn: string;
  place: string;
  peopleServed: number;
  startTime?: string;
  volunteers: { volunteerId: string; hours: number }[];
}

export async function recordService(deps: AppDeps, user: Principal, projectId: string, input: ServiceRecordBody, updateId?: string): Promise<{ id: string; live: ProjectViewOut }> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireApplicant(user, project);
  const id = documentIdFrom(updateId);
  const ids = input.volunteers.map((v) => v.volunteerId);
  const errors: FieldError[] = [];
  if (new Set(ids).size !== ids.length) errors.push({ field: '/body/volunteers', rule: 'unique-volunteers', ...says('field.unique-volunteers') });
  const known = await knownVolunteerIds(deps.db, ids);
  ids.forEach((v, i) => {
    if (!known.has(v)) errors.push({ field: `/body/volunteers/${i}/volunteerId`, rule: 'exists', ...says('field.no-registered-volunteer') });
  });
  // A volunteer's hours over all records of one day cannot pass 24 (this record's own hours, on a retry, count once).
  const sameDay = await hoursOnDay(deps.db, input.heldOn, ids, updateId ? id : null);
  input.volunteers.forEach((v, i) => {
    const already = sameDay.get(v.volunteerId) ?? 0;
    if (already + v.hours > 24) errors.push({ field: `/body/volunteers/${i}/hours`, rule: 'hours-per-day', ...says('field.hours-per-day', { hours: already + v.hours, heldOn: input.heldOn }) });
  });
  if (errors.length) throw new BusinessRuleError(errors);
  // One record a shift (project, volunteer, date, start time), and no volunteer in two shifts at once; this record's
  // own shift, on a retry, is no clash. The activity checks again under the volunteers' locks.
  const startTime = input.startTime ?? null;
  const [same] = await sameShifts(deps.db, project.id, input.heldOn, startTime, ids, id);
  if (same) throw new ConflictError(shiftTakenMessage(same, input.heldOn, startTime), { currentStage: project.stage, serviceRecordId: same.serviceRecordId });
  const overlaps = startTime === null ? [] : await overlappingShifts(deps.db, input.heldOn, startTime, input.volunteers, id);
  if (overlaps.length) throw new BusinessRuleError(overlaps.map((o) => shiftOverlap(o, input)));
  const live = await moveProject(deps, user, project, recordServiceRecord, { actorId: user.id, record: { id, ...input } }, updateId);
  return { id, live };
}

export async function recordSpending(
  deps: AppDeps,
  user: Principal,
  projectId: string,
  input: { budgetItem: string; amountFen: number; spentOn: string; note?: string },
  updateId?: string,
): Promise<{ id: string; live: ProjectViewOut }> {
  const project = await loadVisibleProject(deps.db, user, projectId);
  requireApplicant(user, project);
  const items = await budgetItems(deps.db, project.id);
  // Before delivery there are no approved budget lines to check against: that refusal names the stage, not the line.
  if (!items.includes(input.budgetItem)) refuse(project, 'recordSpending', [{ field: '/body/budgetItem', rule: 'budget-line', ...says('field.budget-line', { items: items.join(', ') }) }]);
  const entry = { id: documentIdFrom(updateId), budgetItem: input.budgetItem, amountFen: input.amountFen, spentOn: input.spentOn, note: input.note ?? '' };
  const live = await moveProject(deps, user, project, recordSpendingUpdate, { actorId: user.id, entry }, updateId);
  return { id: entry.id, live };
}
