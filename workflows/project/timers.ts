import { DELIVERING } from '../stages';
import { addDuration, parseInstant } from '../rules/duration';
import type { ProjectRun } from './state';

// The project's deadlines: reviewers' reminders and lateness, the revision deadline, monthly reports falling
// due and overdue, and the rectification deadline. The workflow sleeps until the next one.

export function nextDeadline(p: ProjectRun): number | null {
  const s = p.state;
  const times: string[] = [];
  if (s.stage === 'review') {
    for (const seat of s.panel.filter((x) => !x.scored)) {
      if (seat.remindAt && !seat.reminded) times.push(seat.remindAt);
      if (!seat.lateNotified) times.push(seat.dueAt);
    }
  }
  if (s.stage === 'revision' && s.revisionDueAt) times.push(s.revisionDueAt);
  if (DELIVERING.includes(s.stage)) {
    for (const r of s.reports) if (!r.overdue) times.push(r.dueAt);
    const last = s.reports[s.reports.length - 1];
    if (last) times.push(addDuration(last.periodStart, p.rules.monitoring.reportInterval)); // the next period opens
  }
  if (s.stage === 'rectification' && s.rectification && !s.rectification.overdueNotified) times.push(s.rectification.dueAt);
  return times.length ? Math.min(...times.map(parseInstant)) : null;
}

/** Does what every passed deadline asks: reminders, lateness tasks, the revision's expiry, overdue reports. */
export async function processDue(p: ProjectRun): Promise<void> {
  const s = p.state;
  const id = p.projectId;
  const now = Date.now();
  const due = (iso: string) => parseInstant(iso) <= now;
  if (s.stage === 'review') {
    for (const seat of s.panel.filter((x) => !x.scored)) {
      if (seat.remindAt && !seat.reminded && due(seat.remindAt)) {
        seat.reminded = true;
        await p.record({
          key: `${id}:remind-review:${s.version}:${seat.reviewerId}`, kind: 'reviewReminder', actorId: null, data: { reviewerId: seat.reviewerId, dueAt: seat.dueAt },
          openTasks: [p.person(seat.reviewerId, 'reminder', `Reminder: your review score is due ${seat.dueAt}`, `${id}:remind-review:${s.version}:${seat.reviewerId}`, seat.dueAt)],
        });
      }
      if (!seat.lateNotified && due(seat.dueAt)) {
        seat.lateNotified = true;
        await p.record({
          key: `${id}:late-review:${s.version}:${seat.reviewerId}`, kind: 'reviewOverdue', actorId: null, data: { reviewerId: seat.reviewerId },
          openTasks: [p.officers('reassign_reviewer', `A reviewer missed the deadline; reassign or wait`, `${id}:late-review:${s.version}:${seat.reviewerId}`)],
        });
      }
    }
  }
  if (s.stage === 'revision' && s.revisionDueAt && due(s.revisionDueAt)) {
    await p.withdraw(`${id}:revision-expired:${s.version}`, null, 'no resubmission before the revision deadline');
  }
  if (DELIVERING.includes(s.stage)) {
    let changed = false;
    for (const r of s.reports) {
      if (!r.overdue && !r.submitted && due(r.dueAt)) {
        r.overdue = true;
        changed = true;
        await p.record({
          key: `${id}:report-overdue:${r.period}`, kind: 'reportOverdue', actorId: null, data: { period: r.period, dueAt: r.dueAt },
          openTasks: [p.applicants('monthly_report', `Monthly report ${r.period} is overdue`, `${id}:report-overdue:${r.period}`, r.dueAt)],
        });
      }
    }
    const last = s.reports[s.reports.length - 1];
    if (!last || due(addDuration(last.periodStart, p.rules.monitoring.reportInterval))) {
      const before = s.reports.length;
      p.scheduleNextReport();
      if (s.reports.length !== before) p.changes++;
    }
    if (changed) await p.refreshColour(`${id}:report-overdue-colour:${s.reports.filter((r) => r.overdue).map((r) => r.period).join(',')}`);
  }
  if (s.stage === 'rectification' && s.rectification && !s.rectification.overdueNotified && due(s.rectification.dueAt)) {
    s.rectification.overdueNotified = true;
    await p.record({
      key: `${id}:rectification-overdue:${s.rectification.id}`, kind: 'rectificationOverdue', actorId: null, data: { rectificationId: s.rectification.id },
      openTasks: [p.officers('rectification_overdue', 'A rectification is past its deadline', `${id}:rectification-overdue:${s.rectification.id}`)],
    });
  }
}
