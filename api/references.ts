import type { Knex } from 'knex';
import { findOrganisation } from '../db/repositories/organisations';
import { findRegion } from '../db/repositories/regions';
import { BusinessRuleError, type FieldError, says } from './errors';

const FINDERS = { organisation: findOrganisation, region: findRegion };

/** Foreign keys named in a request must exist: refused as a business rule (422) naming each field otherwise. */
export async function checkReferences(db: Knex | Knex.Transaction, refs: { field: string; kind: keyof typeof FINDERS; id: string | null | undefined }[]): Promise<void> {
  const errors: FieldError[] = [];
  for (const ref of refs) {
    if (ref.id && !(await FINDERS[ref.kind](db, ref.id))) errors.push({ field: ref.field, rule: 'exists', ...says('field.no-existing', { what: ref.kind }) });
  }
  if (errors.length) throw new BusinessRuleError(errors);
}
