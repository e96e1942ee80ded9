/** How a service record's shift clashes with another's are told (issue 10 §2): one record a shift, no volunteer in two shifts at once. */
import type { ServiceRecordInput } from '../messages';
import { violation, type RuleViolation } from './violations';
import { msg, type Message } from '../../i18n/message';

export function shiftTakenMessage(same: { volunteerId: string; serviceRecordId: string }, heldOn: string, startTime: string | null): Message {
  const params = { serviceRecordId: same.serviceRecordId, volunteerId: same.volunteerId, heldOn };
  return startTime ? msg('problem.conflict.shift-taken', { ...params, startTime }) : msg('problem.conflict.shift-taken-untimed', params);
}

export function shiftOverlap(o: { volunteerId: string; serviceRecordId: string }, r: Pick<ServiceRecordInput, 'volunteers' | 'heldOn' | 'startTime'>): RuleViolation {
  const i = r.volunteers.findIndex((v) => v.volunteerId === o.volunteerId);
  return violation(`/body/volunteers/${i}`, 'shift-overlap', 'rule.shift-overlap', { heldOn: r.heldOn, startTime: String(r.startTime), serviceRecordId: o.serviceRecordId });
}
