import type { Knex } from 'knex';
import type { Principal } from './auth';
import { ForbiddenError, NotFoundError } from './errors';
import { escapeLike } from './paging';

export interface ProjectRow {
  id: string;
  programme_id: string;
  organisation_id: string;
  region_id: string;
  region_level: string;
  region_path: string;
  title: string;
  summary: string;
  target_groups: string[];
  stage: string;
  colour: string;
  amount_asked_fen: string;
  draft: Record<string, unknown>;
  current_version: number;
  supervisor_id: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}


/**
 * Restricts a query on `projects` to what the user may see: admins everything; officers and organisers
 * their region subtree; applicants their organisation's projects; reviewers, supervisors and evaluators
 * what is assigned to them; funders what their organisation backs. Roles add up.
 */
export function whereVisible(q: Knex.QueryBuilder, user: Principal): Knex.QueryBuilder {
  if (user.roles.includes('admin')) return q;
  return q.where((w) => {
    w.whereRaw('false');
    if (user.roles.includes('officer') || user.roles.includes('organiser')) {
      if (user.regionPath) w.orWhere('projects.region_path', 'like', `${escapeLike(user.regionPath)}%`);
      else w.orWhereRaw('true');
    }
    if (user.roles.includes('applicant') && user.organisationId) w.orWhere('projects.organisation_id', user.organisationId);
    if (user.roles.includes('reviewer')) {
      w.orWhereExists((s) => s.select(s.client.raw('1')).from('review_assignments as ra').whereRaw('ra.project_id = projects.id').where('ra.reviewer_id', user.id));
    }
    if (user.roles.includes('supervisor')) w.orWhere('projects.supervisor_id', user.id);
    if (user.roles.includes('evaluator')) {
      w.orWhereExists((s) => s.select(s.client.raw('1')).from('evaluations as ev').whereRaw('ev.project_id = projects.id').where('ev.evaluator_id', user.id));
    }
    if (user.roles.includes('funder') && user.organisationId) {
      w.orWhereExists((s) =>
        s.select(s.client.raw('1')).from('agreements as ag').whereRaw('ag.project_id = projects.id').whereRaw("ag.funding_sources @> jsonb_build_array(jsonb_build_object('funderOrganisationId', ?::text))", [user.organisationId]),
      );
    }
  });
}

/** The project if this user may see it; otherwise 404, so its existence is not revealed. */
export async function loadVisibleProject(db: Knex | Knex.Transaction, user: Principal, projectId: string): Promise<ProjectRow> {
  const row = (await whereVisible(db('projects').select('projects.*').where('projects.id', projectId), user).first()) as ProjectRow | undefined;
  if (!row) throw new NotFoundError('project');
  return row;
}

/** A move reserved to the applicant organisation that owns the project (or, where allowed, an officer in scope). */
export function requireApplicant(user: Principal, project: ProjectRow, opts: { officerToo?: boolean } = {}): void {
  if (user.roles.includes('applicant') && user.organisationId === project.organisation_id) return;
  if (opts.officerToo && isOfficerInScope(user, project)) return;
  throw new ForbiddenError(opts.officerToo ? 'Only the applicant organisation or an officer of this region may do this.' : 'Only the applicant organisation of this project may do this.');
}

export function isOfficerInScope(user: Principal, project: ProjectRow): boolean {
  return user.roles.includes('officer') && (user.regionPath === null || project.region_path.startsWith(user.regionPath));
}

export function requireOfficer(user: Principal, project: ProjectRow): void {
  if (!isOfficerInScope(user, project)) throw new ForbiddenError('Only an officer of this project\'s region may do this.');
}

export function toProjectJson(r: ProjectRow) {
  return {
    id: r.id,
    programmeId: r.programme_id,
    organisationId: r.organisation_id,
    regionId: r.region_id,
    regionLevel: r.region_level,
    title: r.title,
    summary: r.summary,
    targetGroups: r.target_groups,
    stage: r.stage,
    colour: r.colour,
    amountAskedFen: Number(r.amount_asked_fen),
    currentVersion: r.current_version,
    supervisorId: r.supervisor_id,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
