import type { Knex } from 'knex';
import type { ProjectRow } from '../../db/repositories/projects';
import { candidates } from '../../db/repositories/review';
import type { Role } from '../../db/repositories/users';
import { says, type FieldError } from '../errors';

/**
 * Why a person may not review, supervise or evaluate a project: the wrong role, disabled, a member of
 * the applicant organisation, or a declared conflict with it. Empty when they may.
 */
export async function independenceProblems(db: Knex, userIds: string[], project: Pick<ProjectRow, 'organisation_id'>, role: Role, field: string): Promise<FieldError[]> {
  const { users, conflicted } = await candidates(db, userIds, project.organisation_id);
  const errors: FieldError[] = [];
  userIds.forEach((id, i) => {
    const u = users.find((x) => x.id === id);
    const at = userIds.length > 1 || field.endsWith('s') ? `${field}/${i}` : field;
    if (!u || !u.roles.includes(role) || u.disabled) errors.push({ field: at, rule: `is-${role}`, ...says('field.not-active-role', { role }) });
    else if (u.organisation_id === project.organisation_id) errors.push({ field: at, rule: 'independent', ...says('field.independent') });
    else if (conflicted.has(id)) errors.push({ field: at, rule: 'no-conflict', ...says('field.no-conflict') });
  });
  return errors;
}
