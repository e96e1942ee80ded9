import * as wf from '@temporalio/workflow';
import { DELIVERING } from '../stages';
import { parseInstant } from '../rules/duration';
import { INBOX_FOLLOWS_PENDING_ACTIONS, QUARTER_IN_ZONE, type ProjectRun } from './state';
import { periodEnd, quarterPeriod } from './pending';
import { declineAward } from './contest';

// The project's deadlines: reviewers' reminders and lateness, the revision deadline, a partial award's re-scoping, monthly reports opening,
// falling due and overdue, quarterly reviews, and the rectification deadline. The workflow sleeps until the next one.

/** The next quarter whose review is not scheduled yet, while the agreement still runs then. */
function nextQuarter(p: ProjectRun): { end: string; dueAt: string } | null {
  const ag = p.state.agreement;
  if (!ag) return null;
  const seq = (p.state.quarterlyReviews?.scheduled ?? 0) + 1;
  return quarterPeriod(p.rules, ag, seq, !!ag.reportZone && wf.patched(QUARTER_IN_ZONE));
}

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
    if (last) times.push(periodEnd(p.rules, s.agreement, last)); // the next period opens
    // Runs from before the inbox followed pending actions had no quarterly review timers.
    const quarter = nextQuarter(p);
    if (quarter && wf.patched(INBOX_FOLLOWS_PENDING_ACTIONS)) times.push(quarter.end);
  }
  if (s.stage === 'rectification' && s.rectification && !s.rectification.overdueNotified) times.push(s.rectification.dueAt);
  if (s.stage === 'rescoping' && s.rescoping) times.push(s.rescoping.dueAt);
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
        });
      }
      if (!seat.lateNotified && due(seat.dueAt)) {
        seat.lateNotified = true;
        await p.record({
          key: `${id}:late-review:${s.version}:${seat.reviewerId}`, kind: 'reviewOverdue', actorId: null, data: { reviewerId: seat.reviewerId },
        });
      }
    }
  }
  // A partial award not answered by its deadline counts as declined.
  if (s.stage === 'rescoping' && s.rescoping && due(s.rescoping.dueAt)) {
    await declineAward(p, `${id}:rescoping-expired:${s.rescoping.contestId}`, null, 'no answer before the re-scoping deadline', true);
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
        });
      }
    }
    const last = s.reports[s.reports.length - 1];
    let opened: number | null = null;
    if (!last || due(periodEnd(p.rules, s.agreement, last))) {
      const before = s.reports.length;
      p.scheduleNextReport();
      if (s.reports.length !== before) {
        p.changes++;
        opened = s.reports[s.reports.length - 1].period;
      }
    }
    // Since the inbox follows the pending actions, a period opening and a period ending are events: the applicant's
    // task opens with the period and turns into a reminder at its end (the due date is the end plus the grace).
    if (wf.patched(INBOX_FOLLOWS_PENDING_ACTIONS)) {
      const reminded = s.reports.filter((r) => !r.submitted && !r.overdue && !r.reminded && due(periodEnd(p.rules, s.agreement, r)));
      for (const r of reminded) r.reminded = true;
      const periods = reminded.map((r) => r.period);
      if (opened !== null) {
        await p.record({ key: `${id}:report-period:${opened}`, kind: 'reportPeriodOpened', actorId: null, data: { period: opened, remindedPeriods: periods } });
      } else if (periods.length) {
        await p.record({ key: `${id}:report-reminder:${periods.join(',')}`, kind: 'reportReminder', actorId: null, data: { remindedPeriods: periods } });
      }
      let quarter = nextQuarter(p);
      while (quarter && due(quarter.end)) {
        const q = s.quarterlyReviews ?? { scheduled: 0, due: [] };
        s.quarterlyReviews = q;
        q.scheduled += 1;
        const dueAt = quarter.dueAt;
        q.due.push({ seq: q.scheduled, dueAt });
        await p.record({ key: `${id}:quarterly-review-due:${q.scheduled}`, kind: 'quarterlyReviewDue', actorId: null, data: { quarter: q.scheduled, dueAt } });
        quarter = nextQuarter(p);
      }
    }
    if (changed) await p.refreshColour(`${id}:report-overdue-colour:${s.reports.filter((r) => r.overdue).map((r) => r.period).join(',')}`);
  }
  if (s.stage === 'rectification' && s.rectification && !s.rectification.overdueNotified && due(s.rectification.dueAt)) {
    s.rectification.overdueNotified = true;
    await p.record({
      key: `${id}:rectification-overdue:${s.rectification.id}`, kind: 'rectificationOverdue', actorId: null, data: { rectificationId: s.rectification.id },
    });
  }
}
