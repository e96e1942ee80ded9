import { findOrganisation, isValidCreditCode, toOrganisation, type OrganisationRow } from '../../db/repositories/organisations';
import { writeAudit } from '../../db/repositories/audit';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { containsPattern, keysetPage } from '../paging';
import type { RouteRegistry } from '../registry';
import { checkReferences } from '../references';

interface OrganisationInput {
  name?: string;
  kind?: OrganisationRow['kind'];
  grade?: OrganisationRow['grade'];
  creditCode?: string;
  staffCount?: number;
  certifiedSocialWorkerCount?: number;
  volunteerCount?: number;
  regionId?: string | null;
  contact?: string | null;
}

function toRow(input: OrganisationInput): Partial<OrganisationRow> {
  const row: Partial<OrganisationRow> = {};
  if (input.name !== undefined) row.name = input.name;
  if (input.kind !== undefined) row.kind = input.kind;
  if (input.grade !== undefined) row.grade = input.grade;
  if (input.creditCode !== undefined) row.credit_code = input.creditCode;
  if (input.staffCount !== undefined) row.staff_count = input.staffCount;
  if (input.certifiedSocialWorkerCount !== undefined) row.certified_social_worker_count = input.certifiedSocialWorkerCount;
  if (input.volunteerCount !== undefined) row.volunteer_count = input.volunteerCount;
  if (input.regionId !== undefined) row.region_id = input.regionId;
  if (input.contact !== undefined) row.contact = input.contact;
  return row;
}

function checkCreditCode(code: string | undefined): void {
  if (code !== undefined && !isValidCreditCode(code)) {
    throw new ValidationError([{ field: '/body/creditCode', rule: 'credit-code-checksum', message: 'is not a valid unified social credit code (its check character does not match)' }]);
  }
}

const duplicateCode = (err: unknown) => (err as { code?: string }).code === '23505';

export function registerOrganisationRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'get',
    path: '/api/v1/organisations',
    operationId: 'organisations.list',
    summary: 'List organisations (social-work organisations, communities, companies, foundations, government units)',
    tag: 'organisations',
    access: 'authenticated',
    handler: async ({ query, deps }) => {
      const q = deps.db<OrganisationRow>('organisations').select('*');
      if (query.kind) q.where('kind', query.kind);
      if (query.grade) q.where('grade', query.grade);
      if (query.regionId) q.where('region_id', query.regionId);
      if (query.q) q.whereILike('name', containsPattern(query.q));
      return { body: await keysetPage(deps.db, q, { limit: query.limit, cursor: query.cursor, table: 'organisations' }, toOrganisation) };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/organisations',
    operationId: 'organisations.create',
    summary: 'Register an organisation with its grade, staffing and unified social credit code',
    tag: 'organisations',
    access: ['admin'],
    status: 201,
    handler: async ({ body, user, deps, requestId }) => {
      const input = body as OrganisationInput;
      checkCreditCode(input.creditCode);
      try {
        const row = await deps.db.transaction(async (trx) => {
          await checkReferences(trx, [{ field: '/body/regionId', kind: 'region', id: input.regionId }]);
          const [created] = await trx<OrganisationRow>('organisations').insert(toRow(input)).returning('*');
          await writeAudit(trx, { actorId: user.id, action: 'create', objectType: 'organisation', objectId: created.id, after: toOrganisation(created), requestId });
          return created;
        });
        return { status: 201, body: toOrganisation(row) };
      } catch (err) {
        if (duplicateCode(err)) throw new ConflictError(`An organisation with credit code ${input.creditCode} is already registered.`);
        throw err;
      }
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/organisations/:id',
    operationId: 'organisations.get',
    summary: 'One organisation',
    tag: 'organisations',
    access: 'authenticated',
    handler: async ({ params, deps }) => {
      const row = await findOrganisation(deps.db, params.id);
      if (!row) throw new NotFoundError('organisation');
      return { body: toOrganisation(row) };
    },
  });

  registry.add({
    method: 'patch',
    path: '/api/v1/organisations/:id',
    operationId: 'organisations.update',
    summary: 'Change an organisation (grade, staffing, contact...)',
    tag: 'organisations',
    access: ['admin'],
    handler: async ({ params, body, user, deps, requestId }) => {
      const input = body as OrganisationInput;
      checkCreditCode(input.creditCode);
      try {
        const row = await deps.db.transaction(async (trx) => {
          const before = await trx<OrganisationRow>('organisations').where({ id: params.id }).forUpdate().first();
          if (!before) throw new NotFoundError('organisation');
          await checkReferences(trx, [{ field: '/body/regionId', kind: 'region', id: input.regionId }]);
          const [after] = await trx<OrganisationRow>('organisations')
            .where({ id: params.id })
            .update({ ...toRow(input), updated_at: deps.clock() })
            .returning('*');
          await writeAudit(trx, { actorId: user.id, action: 'update', objectType: 'organisation', objectId: params.id, before: toOrganisation(before), after: toOrganisation(after), requestId });
          return after;
        });
        return { body: toOrganisation(row) };
      } catch (err) {
        if (duplicateCode(err)) throw new ConflictError(`An organisation with credit code ${input.creditCode} is already registered.`);
        throw err;
      }
    },
  });
}
