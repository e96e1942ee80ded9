import type { Knex } from 'knex';
import type { Principal } from '../auth';
import { ConflictError, NotFoundError, ValidationError, says } from '../errors';
import { msg } from '../../i18n';
import { containsPattern, keysetPage, type Page } from '../paging';
import { checkReferences } from '../references';
import {
  findOrganisation,
  insertOrganisation,
  isValidCreditCode,
  lockOrganisation,
  organisationsQuery,
  toOrganisation,
  updateOrganisation,
  type Organisation,
  type OrganisationFields,
  type OrganisationFilter,
} from '../../db/repositories/organisations';
import { writeAudit } from '../../db/repositories/audit';

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

function checkCreditCode(code: string | undefined): void {
  if (code !== undefined && !isValidCreditCode(code)) {
    throw new ValidationError([{ field: '/body/creditCode', rule: 'credit-code-checksum', ...says('field.credit-code-checksum') }]);
  }
}

async function uniqueCreditCode<T>(code: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(msg('problem.conflict.credit-code', { code: String(code) }));
    throw err;
  }
}

export function listOrganisations(db: Knex, filter: OrganisationFilter, page: { limit: number; cursor?: string }): Promise<Page<Organisation>> {
  return keysetPage(db, organisationsQuery(db, filter, containsPattern), { ...page, table: 'organisations' }, toOrganisation);
}

export async function getOrganisation(db: Knex, id: string): Promise<Organisation> {
  const row = await findOrganisation(db, id);
  if (!row) throw new NotFoundError('organisation');
  return toOrganisation(row);
}

export async function createOrganisation(trx: Knex.Transaction, actor: Principal, requestId: string, input: OrganisationFields & { creditCode: string }): Promise<Organisation> {
  checkCreditCode(input.creditCode);
  await checkReferences(trx, [{ field: '/body/regionId', kind: 'region', id: input.regionId }]);
  const created = await uniqueCreditCode(input.creditCode, () => insertOrganisation(trx, input));
  await writeAudit(trx, { actorId: actor.id, action: 'create', objectType: 'organisation', objectId: created.id, after: toOrganisation(created), requestId });
  return toOrganisation(created);
}

export async function changeOrganisation(trx: Knex.Transaction, actor: Principal, requestId: string, id: string, input: OrganisationFields, at: Date): Promise<Organisation> {
  checkCreditCode(input.creditCode);
  const before = await lockOrganisation(trx, id);
  if (!before) throw new NotFoundError('organisation');
  await checkReferences(trx, [{ field: '/body/regionId', kind: 'region', id: input.regionId }]);
  const after = await uniqueCreditCode(input.creditCode, () => updateOrganisation(trx, id, input, at));
  await writeAudit(trx, { actorId: actor.id, action: 'update', objectType: 'organisation', objectId: id, before: toOrganisation(before), after: toOrganisation(after), requestId });
  return toOrganisation(after);
}
