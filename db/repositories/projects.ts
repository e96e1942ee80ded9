import type { Knex } from 'knex';
import type { Stage } from '../../workflows/stages';
import type { Colour } from '../../workflows/rules/colour';
import type { Proposal } from '../../workflows/rules/proposal';
import type { RegionLevel } from './regions';
import type { Role } from './users';

type Db = Knex | Knex.Transaction;

export interface ProjectRow {
  id: string;
  programme_id: string;
  organisation_id: string;
  region_id: string;
  region_level: RegionLevel;
  region_path: string;
  title: string;
  summary: string;
  target_groups: string[];
  stage: Stage;
  colour: Colour;
  amount_asked_fen: string;
  /** A proposal, checked by the proposal rules whenever it was written. */
  draft: Proposal;
  current_version: number;
  supervisor_id: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ProjectJson {
  id: string;
  programmeId: string;
  organisationId: string;
  regionId: string;
  regionLevel: RegionLevel;
  title: string;
  summary: string;
  targetGroups: string[];
  stage: Stage;
  colour: Colour;
  amountAskedFen: number;
  currentVersion: number;
  supervisorId: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toProjectJson(r: ProjectRow): ProjectJson {
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

/** Who reads: the parts of a signed-in user the visibility rule looks at. */
export interface Viewer {
  id: string;
  roles: readonly Role[];
  organisationId: string | null;
  regionPath: string | null;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

/**
 * Restricts a query on `projects` to what the user may see: admins everything; officers and organisers
 * their region subtree; applicants their organisation's projects; reviewers what is assigned to them; supervisors
 * and evaluators what is assigned to them; funders what their organisation backs. Roles add up.
 *
 * A reviewer's panel seat does not show a project while it is entered in a blind contest the reviewer judges and
 * whose ranking is not yet published: the judge must not learn whose entry it is by another route.
 */
export function whereVisible(q: Knex.QueryBuilder, user: Viewer): Knex.QueryBuilder {
  if (user.roles.includes('admin')) return q;
  // A judge of a blind contest does not find its entries by any other role either (an officer, an organiser who
  // also judges) for the contest's duration; judges hold the reviewer role.
  if (user.roles.includes('reviewer')) q.whereNotExists((s) => blindContestsJudgedBy(s, user.id));
  return q.where((w) => {
    w.whereRaw('false');
    if (user.roles.includes('officer') || user.roles.includes('organiser')) {
      if (user.regionPath) w.orWhere('projects.region_path', 'like', `${escapeLike(user.regionPath)}%`);
      else w.orWhereRaw('true');
    }
    if (user.roles.includes('applicant') && user.organisationId) w.orWhere('projects.organisation_id', user.organisationId);
    if (user.roles.includes('reviewer')) {
      w.orWhere((r) =>
        r.whereExists((s) => s.select(s.client.raw('1')).from('review_assignments as ra').whereRaw('ra.project_id = projects.id').where('ra.reviewer_id', user.id)),
      );
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

/** The project's live entries in blind contests this user judges, before the ranking is published. */
function blindContestsJudgedBy(s: Knex.QueryBuilder, userId: string): Knex.QueryBuilder {
  return s
    .select(s.client.raw('1'))
    .from('contest_entries as ce')
    .join('contests as c', 'c.id', 'ce.contest_id')
    .join('contest_judges as cj', (j) => j.on('cj.contest_id', 'c.id').andOnVal('cj.user_id', userId))
    .whereRaw('ce.project_id = projects.id')
    .whereNotIn('ce.status', ['withdrawn', 'cancelled'])
    .whereRaw("(c.settings->>'blind')::boolean")
    .whereNull('c.published_at')
    .whereNot('c.phase', 'closed');
}

export function findVisibleProject(db: Db, user: Viewer, projectId: string): Promise<ProjectRow | undefined> {
  return whereVisible(db('projects').select('projects.*').where('projects.id', projectId), user).first() as Promise<ProjectRow | undefined>;
}

/**
 * A visible project with its programme's rules, in one query: the moves that check a programme rule before they
 * send their update read both at once.
 */
export async function findVisibleProjectWithRules(db: Db, user: Viewer, projectId: string): Promise<{ project: ProjectRow; rules: unknown } | undefined> {
  const row = (await whereVisible(
    db('projects').select('projects.*', db.raw('(select rules from programmes where programmes.id = projects.programme_id) as programme_rules')).where('projects.id', projectId),
    user,
  ).first()) as (ProjectRow & { programme_rules: unknown }) | undefined;
  if (!row) return undefined;
  const { programme_rules: rules, ...project } = row;
  return { project: project as ProjectRow, rules };
}

export function lockProject(trx: Knex.Transaction, projectId: string): Promise<ProjectRow | undefined> {
  return trx<ProjectRow>('projects').where({ id: projectId }).forUpdate().first();
}

export async function projectStage(db: Db, projectId: string): Promise<string | undefined> {
  const row = await db('projects').where({ id: projectId }).first('stage');
  return row?.stage as string | undefined;
}

export interface ProjectFilter {
  regionPath?: string;
  regionLevel?: string;
  programmeId?: string;
  organisationId?: string;
  stage?: string[];
  colour?: string[];
  targetGroup?: string;
  /** An ILIKE pattern on the title. */
  titleLike?: string;
}

/** The visible projects matching a filter, as a query the caller pages. */
export function projectsQuery(db: Db, user: Viewer, f: ProjectFilter): Knex.QueryBuilder {
  const q = whereVisible(db<ProjectRow>('projects').select('projects.*'), user);
  if (f.regionPath) q.where('projects.region_path', 'like', `${escapeLike(f.regionPath)}%`);
  if (f.regionLevel) q.where('projects.region_level', f.regionLevel);
  if (f.programmeId) q.where('projects.programme_id', f.programmeId);
  if (f.organisationId) q.where('projects.organisation_id', f.organisationId);
  if (f.stage) q.whereIn('projects.stage', f.stage);
  if (f.colour) q.whereIn('projects.colour', f.colour);
  if (f.targetGroup) q.whereRaw('projects.target_groups @> ARRAY[?]::text[]', [f.targetGroup]);
  if (f.titleLike) q.whereILike('projects.title', f.titleLike);
  return q;
}

export interface StatsRow {
  child: string;
  key: string;
  n: number;
}

/** Counts of the visible projects under a region by stage and by colour, each split by the child region it falls under. */
export async function projectCounts(db: Db, user: Viewer, regionPath: string): Promise<{ byStage: StatsRow[]; byColour: StatsRow[] }> {
  // The child a project falls under is the path segment right after the region's own path.
  const child = db.raw('substring(projects.region_path from ?::int for 36)', [regionPath.length + 1]);
  const base = () => whereVisible(db('projects').where('projects.region_path', 'like', `${escapeLike(regionPath)}%`), user);
  const count = async (column: string) =>
    ((await base().select(db.raw('? as child', [child]), `${column} as key`).count({ n: '*' }).groupByRaw('1, 2')) as { child: string; key: string; n: string }[]).map((r) => ({ child: r.child, key: r.key, n: Number(r.n) }));
  const [byStage, byColour] = await Promise.all([count('stage'), count('colour')]);
  return { byStage, byColour };
}

export async function childRegionNames(db: Db, regionId: string): Promise<Map<string, string>> {
  return new Map((await db('regions').where({ parent_id: regionId }).select('id', 'name')).map((r) => [r.id as string, r.name as string]));
}

export interface ProjectEventRow {
  id: string;
  kind: string;
  actor_id: string | null;
  display_name: string | null;
  data: Record<string, unknown>;
  at: Date;
}

export function projectEvents(db: Db, projectId: string): Promise<ProjectEventRow[]> {
  return db('project_events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_id')
    .where('e.project_id', projectId)
    // The creation comes first (projects created before it was written got theirs later, with a later id).
    .orderByRaw("(e.kind = 'created') desc")
    .orderBy('e.id')
    .select('e.id', 'e.kind', 'e.actor_id', 'u.display_name', 'e.data', 'e.at');
}

/** A timeline event written by the API itself, in its transaction (a draft save: no workflow move). */
export async function appendProjectEvent(trx: Knex.Transaction, e: { projectId: string; key: string; kind: string; actorId: string; data: Record<string, unknown>; at: Date }): Promise<void> {
  await trx('project_events').insert({ project_id: e.projectId, event_key: e.key, kind: e.kind, actor_id: e.actorId, data: JSON.stringify(e.data), at: e.at }).onConflict('event_key').ignore();
}

export async function programmeForProjects(db: Db, programmeId: string): Promise<{ id: string; status: string; region_id: string; rules: unknown } | undefined> {
  return db('programmes').where({ id: programmeId }).first('id', 'status', 'region_id', 'rules');
}

export async function knownNeedIds(db: Db, ids: string[]): Promise<Set<string>> {
  return new Set((await db('needs').whereIn('id', ids).select('id')).map((n) => n.id as string));
}

export async function insertProject(
  trx: Knex.Transaction,
  p: { id: string; programmeId: string; organisationId: string; region: { id: string; level: string; path: string }; title: string; summary: string; targetGroups: string[]; amountAskedFen: number; draft: unknown; createdBy: string; needIds: string[] },
): Promise<ProjectRow> {
  const [created] = (await trx('projects')
    .insert({
      id: p.id, programme_id: p.programmeId, organisation_id: p.organisationId, region_id: p.region.id, region_level: p.region.level, region_path: p.region.path,
      title: p.title, summary: p.summary, target_groups: p.targetGroups, stage: 'design', amount_asked_fen: p.amountAskedFen, draft: JSON.stringify(p.draft), created_by: p.createdBy,
    })
    .returning('*')) as ProjectRow[];
  await trx('project_needs').insert(p.needIds.map((needId) => ({ project_id: p.id, need_id: needId })));
  return created;
}

/** Undoes a project whose workflow could not start (the durable creation replaces this). */
export async function deleteUnstartedProject(trx: Knex.Transaction, id: string): Promise<void> {
  await trx('project_needs').where({ project_id: id }).delete();
  await trx('audit_log').where({ object_type: 'project', object_id: id }).delete();
  await trx('projects').where({ id }).delete();
}

/** The programme's rules, as the project's checks read them. */
export async function programmeRulesOf(db: Db, programmeId: string): Promise<unknown> {
  return (await db('programmes').where({ id: programmeId }).first('rules'))?.rules;
}
