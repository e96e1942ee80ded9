import type { Knex } from 'knex';
import { hasRole, type Principal } from '../auth';
import { BusinessRuleError, ForbiddenError, NotFoundError, type FieldError, says } from '../errors';
import { msg } from '../../i18n';
import { maskName, maskPhone } from '../masking';
import { keysetPage, type Page } from '../paging';
import type { AppDeps } from '../deps';
import { writeAudit } from '../../db/repositories/audit';
import { inSubtree } from '../../db/repositories/regions';
import { account, type TimeBankAccount } from '../../db/repositories/time-bank';
import { findVolunteer, insertVolunteer, volunteerProjects, volunteersQuery, type VolunteerInput, type VolunteerRow } from '../../db/repositories/volunteers';

type Deps = Pick<AppDeps, 'db'>;

/** How much of a volunteer this user may see: all of it, a masked card, or nothing (404). */
export type VolunteerSight = 'whole' | 'masked' | 'none';

/**
 * Whole to the volunteer, their organisation's applicants, officers over their region and admins;
 * masked to dispatchers over their region (who pick candidates); nothing to anyone else.
 */
export function volunteerSight(user: Principal, v: Pick<VolunteerRow, 'user_id' | 'organisation_id' | 'region_path'>): VolunteerSight {
  if (hasRole(user, 'admin') || v.user_id === user.id) return 'whole';
  if (hasRole(user, 'applicant') && user.organisationId && user.organisationId === v.organisation_id) return 'whole';
  if (hasRole(user, 'officer') && v.region_path !== null && inSubtree(v.region_path, user.regionPath)) return 'whole';
  if (hasRole(user, 'officer') && user.regionPath === null) return 'whole';
  if (hasRole(user, 'dispatcher') && v.region_path !== null && inSubtree(v.region_path, user.regionPath)) return 'masked';
  return 'none';
}

export function toVolunteerJson(v: VolunteerRow, sight: Exclude<VolunteerSight, 'none'>) {
  const whole = sight === 'whole';
  return {
    id: v.id,
    name: whole ? v.name : maskName(v.name),
    phone: v.phone === null ? null : whole ? v.phone : maskPhone(v.phone),
    idNumber: v.id_number_masked,
    skills: v.skills,
    communityIds: v.community_ids,
    availability: v.availability,
    organisationId: v.organisation_id,
    userId: v.user_id,
    masked: !whole,
    createdAt: v.created_at.toISOString(),
  };
}
export type VolunteerJson = ReturnType<typeof toVolunteerJson>;

/** The volunteer if this user may see them at all; otherwise 404. */
export async function loadVisibleVolunteer(db: Knex, user: Principal, id: string): Promise<{ v: VolunteerRow; sight: Exclude<VolunteerSight, 'none'> }> {
  const v = await findVolunteer(db, id);
  const sight = v ? volunteerSight(user, v) : 'none';
  if (!v || sight === 'none') throw new NotFoundError('volunteer');
  return { v, sight };
}

export interface CreateVolunteerInput extends VolunteerInput {
  /** Officers only: the organisation the volunteer serves with. */
  organisationId?: string | null;
}

/**
 * Registers a real-name volunteer. An applicant registers them for their own organisation (in its region);
 * an officer within their region, for an organisation in it or none. The ID number is kept masked only.
 */
export async function createVolunteer(deps: Deps & Pick<AppDeps, 'clock'>, user: Principal, input: CreateVolunteerInput, requestId?: string): Promise<VolunteerJson & { projectIds: string[] }> {
  const officer = hasRole(user, 'officer');
  const organisationId = officer ? (input.organisationId ?? null) : user.organisationId;
  if (!officer && !organisationId) throw new ForbiddenError(msg('problem.forbidden.volunteer-registrar'));
  const errors: FieldError[] = [];
  let regionPath: string | null = user.regionPath;
  if (organisationId) {
    const org = await deps.db('organisations as o').leftJoin('regions as r', 'r.id', 'o.region_id').where('o.id', organisationId).first('o.id', 'r.path');
    if (!org) errors.push({ field: '/body/organisationId', rule: 'exists', ...says('field.no-organisation') });
    else if (officer && org.path && !inSubtree(org.path, user.regionPath)) errors.push({ field: '/body/organisationId', rule: 'in-scope', ...says('field.in-scope') });
    else regionPath = org.path ?? regionPath;
  }
  const communityIds = [...new Set(input.communityIds ?? [])];
  if (communityIds.length) {
    const found = await deps.db('regions').whereIn('id', communityIds).where('level', 'community').select('id', 'path');
    communityIds.forEach((c, i) => {
      if (!found.some((f) => f.id === c)) errors.push({ field: `/body/communityIds/${i}`, rule: 'community', ...says('field.no-community') });
    });
  }
  const projectIds = [...new Set(input.projectIds ?? [])];
  if (projectIds.length) {
    const owned = (await deps.db('projects').whereIn('id', projectIds).modify((q) => (organisationId ? q.where('organisation_id', organisationId) : q.whereRaw('false'))).pluck('id')) as string[];
    projectIds.forEach((p, i) => {
      if (!owned.includes(p)) errors.push({ field: `/body/projectIds/${i}`, rule: 'own-project', ...says('field.own-project') });
    });
  }
  if (input.userId) {
    const u = await deps.db('users').where({ id: input.userId }).first('id');
    if (!u) errors.push({ field: '/body/userId', rule: 'exists', ...says('field.no-account') });
    else if (await deps.db('volunteers').where({ user_id: input.userId }).first('id')) errors.push({ field: '/body/userId', rule: 'one-volunteer', ...says('field.one-volunteer') });
  }
  if (errors.length) throw new BusinessRuleError(errors);
  const row = await deps.db.transaction(async (trx) => {
    const created = await insertVolunteer(trx, { ...input, organisationId, communityIds, projectIds }, regionPath);
    await writeAudit(trx, { actorId: user.id, action: 'create', objectType: 'volunteer', objectId: created.id, after: { name: created.name, organisationId, skills: created.skills }, requestId });
    return created;
  });
  return { ...toVolunteerJson(row, 'whole'), projectIds };
}

export async function getVolunteer(deps: Deps, user: Principal, id: string): Promise<VolunteerJson & { projectIds: string[]; timeBank: TimeBankAccount | null }> {
  const { v, sight } = await loadVisibleVolunteer(deps.db, user, id);
  return { ...toVolunteerJson(v, sight), projectIds: await volunteerProjects(deps.db, v.id), timeBank: sight === 'whole' ? await account(deps.db, v.id) : null };
}

/** Volunteers in the user's scope: their organisation's, or their region's (masked for dispatchers). */
export async function listVolunteers(deps: Deps, user: Principal, q: { limit: number; cursor?: string }): Promise<Page<VolunteerJson>> {
  let query: Knex.QueryBuilder;
  if (hasRole(user, 'admin')) query = volunteersQuery(deps.db, {});
  else if (hasRole(user, 'officer', 'dispatcher')) query = volunteersQuery(deps.db, { regionPath: user.regionPath });
  else if (hasRole(user, 'applicant') && user.organisationId) query = volunteersQuery(deps.db, { organisationId: user.organisationId });
  else query = deps.db('volunteers').select('volunteers.*').where('user_id', user.id);
  return keysetPage(deps.db, query, { ...q, table: 'volunteers' }, (r: VolunteerRow) => toVolunteerJson(r, volunteerSight(user, r) === 'whole' ? 'whole' : 'masked'));
}
