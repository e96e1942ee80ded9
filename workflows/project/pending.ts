import type { TaskSpec } from '../../activities/project-event-types';
import type { ProjectState } from '../messages';
import { DELIVERING } from '../stages';
import { addDuration } from '../rules/duration';
import { addZoneDuration, startOfZoneDay, zonedReportPeriod } from '../rules/zone';
import { timeZoneOf, type ProgrammeRules } from '../rules/programme-rules';
import { msg, type Message } from '../../i18n/message';

// What waits for whom: the one list both the live state's pendingActions and the inbox come from. Every event
// the workflow writes carries this list as it stands after the event, and the event's transaction reconciles the
// project's open tasks with it (db/repositories/tasks.ts, reconcileProjectTasks): a task per pending action,
// opened when the action becomes pending and closed when it is done or no longer asked for.

/** One pending action: what, who must do it (a role, or a person's id), and its task in that inbox. */
export interface PendingAction {
  action: string;
  who: string;
  /** `key` names the action (stable while it stays pending); a new phase (a reminder, overdue) is a new key. */
  task: TaskSpec;
}

export interface PendingContext {
  projectId: string;
  organisationId: string;
  regionPath: string;
  rules: ProgrammeRules;
}

type Agreement = NonNullable<ProjectState['agreement']>;

/**
 * Report period `k` of an agreement: its start, its end (the report is due then, and overdue after the grace) and the
 * due date. Agreements signed since report months follow the programme's zone use its calendar; older ones step from
 * signing on the UTC calendar, exactly as they did.
 */
export function reportPeriod(rules: ProgrammeRules, ag: Agreement, k: number): { start: string; end: string; dueAt: string } {
  const { reportInterval: interval, reportGrace: grace } = rules.monitoring;
  if (ag.reportZone) return zonedReportPeriod(ag.reportZone, ag.reportsFrom, interval, grace, k);
  const start = addDuration(ag.reportsFrom, interval, k - 1);
  const end = addDuration(ag.reportsFrom, interval, k);
  return { start, end, dueAt: addDuration(end, grace) };
}

/** The end of a report's period (the next one opens then); older agreements count it from the period's start. */
export function periodEnd(rules: ProgrammeRules, ag: Agreement | null, r: { period: number; periodStart: string }): string {
  return ag?.reportZone ? reportPeriod(rules, ag, r.period).end : addDuration(r.periodStart, rules.monitoring.reportInterval);
}

/** The instant the agreement's last day ends: the end of that day in the programme's zone, or in UTC for older ones. */
export function agreementEnd(ag: Agreement): string {
  return ag.reportZone ? addZoneDuration(ag.reportZone, startOfZoneDay(ag.reportZone, ag.endDate), 'P1D') : `${ag.endDate}T23:59:59.999Z`;
}

/** The quarterly reviews' interval: the programme's rule, three months when an older programme has none. */
export const quarterlyReviewInterval = (rules: ProgrammeRules) => rules.monitoring.quarterlyReviewInterval ?? 'P3M';

/**
 * Quarter `k` of an agreement (the quarterly review, 季例会, is due a grace after its end), or null once the agreement
 * has ended before it starts. With `inZone` (agreements with a report zone, since `quarter-in-zone`) quarters are the
 * zone's calendar months, as the monthly reports are; otherwise they step from the first report day on the UTC calendar,
 * as they did.
 */
export function quarterPeriod(rules: ProgrammeRules, ag: Agreement, k: number, inZone: boolean): { start: string; end: string; dueAt: string } | null {
  const interval = quarterlyReviewInterval(rules);
  const grace = rules.monitoring.reportGrace;
  if (inZone && ag.reportZone) {
    const q = zonedReportPeriod(ag.reportZone, ag.reportsFrom, interval, grace, k);
    return q.start >= agreementEnd(ag) ? null : q;
  }
  const start = addDuration(ag.reportsFrom, interval, k - 1);
  if (start >= `${ag.endDate}T23:59:59.999Z`) return null;
  const end = addDuration(ag.reportsFrom, interval, k);
  return { start, end, dueAt: addDuration(end, grace) };
}

export function pendingActions(s: ProjectState, c: PendingContext): PendingAction[] {
  const id = c.projectId;
  const out: PendingAction[] = [];
  const officer = (action: string, kind: string, title: Message, key: string, dueAt: string | null = null) =>
    out.push({ action, who: 'officer', task: { key, role: 'officer', regionPath: c.regionPath, kind, title, dueAt } });
  const applicant = (action: string, kind: string, title: Message, key: string, dueAt: string | null = null) =>
    out.push({ action, who: 'applicant', task: { key, role: 'applicant', organisationId: c.organisationId, kind, title, dueAt } });
  const person = (userId: string, action: string, kind: string, title: Message, key: string, dueAt: string | null = null) =>
    out.push({ action, who: userId, task: { key, userId, kind, title, dueAt } });

  // Dates in a title are shown in the programme's zone.
  const zone = timeZoneOf(c.rules);
  const stage = s.stage;
  if (stage === 'design') applicant('submitDesign', 'submit_design', msg('task.submit-design'), `${id}:design`);
  if (stage === 'review') {
    if (s.panel.length === 0) officer('assignPanel', 'assign_panel', msg('task.assign-panel'), `${id}:panel:${s.version}`);
    for (const seat of s.panel.filter((x) => !x.scored)) {
      // One task per reviewer's score; past the reminder it is the reminder, so the inbox shows the urgency.
      if (seat.reminded) person(seat.reviewerId, 'submitReviewScore', 'reminder', msg('task.review-reminder', { dueAt: seat.dueAt, timeZone: zone }), `${id}:remind-review:${s.version}:${seat.reviewerId}`, seat.dueAt);
      else person(seat.reviewerId, 'submitReviewScore', 'score_review', msg('task.score-review'), `${id}:review:${s.version}:${seat.reviewerId}`, seat.dueAt);
      if (seat.lateNotified) officer('reassignReviewer', 'reassign_reviewer', msg('task.reassign-reviewer'), `${id}:late-review:${s.version}:${seat.reviewerId}`);
    }
    if (s.panel.length > 0 && s.panel.every((x) => x.scored)) officer('decideReview', 'decide_review', msg('task.decide-review'), `${id}:decide:${s.version}`);
  }
  if (stage === 'revision' && s.revisionDueAt) applicant('submitDesign', 'revise_design', msg('task.revise-design'), `${id}:revise:${s.version}`, s.revisionDueAt);
  if (stage === 'rescoping' && s.rescoping) {
    applicant('acceptRescoping or declineRescoping', 'rescope_budget', msg('task.rescope-budget'), `${id}:rescope:${s.rescoping.contestId}`, s.rescoping.dueAt);
  }
  if (stage === 'approved') officer('enterContest or fundDirectly', 'fund_or_enter_contest', msg('task.fund-or-enter-contest'), `${id}:fund:${s.version}`);
  if (DELIVERING.includes(stage)) {
    for (const r of s.reports.filter((x) => !x.submitted)) {
      const action = `submitMonthlyReport period ${r.period}`;
      // Three phases, each its own task: the period is open, its end has come (a reminder before the due date),
      // the grace has passed (overdue).
      if (r.overdue) applicant(action, 'monthly_report', msg('task.monthly-report-overdue', { period: r.period }), `${id}:report-overdue:${r.period}`, r.dueAt);
      else if (r.reminded) applicant(action, 'monthly_report_reminder', msg('task.monthly-report-reminder', { period: r.period, dueAt: r.dueAt, timeZone: zone }), `${id}:report-reminder:${r.period}`, r.dueAt);
      else applicant(action, 'monthly_report_due', msg('task.monthly-report-due', { period: r.period }), `${id}:report-due:${r.period}`, r.dueAt);
    }
    for (const q of s.quarterlyReviews?.due ?? []) {
      officer(`recordQuarterlyReview quarter ${q.seq}`, 'quarterly_review', msg('task.quarterly-review', { seq: q.seq }), `${id}:quarterly-review:${q.seq}`, q.dueAt);
    }
  }
  // The final evaluation starts when the officer assigns its evaluator: the task is there from signing, due when the agreement ends.
  if (stage === 'delivery' && s.agreement && !s.evaluations.final) {
    const end = agreementEnd(s.agreement);
    officer('assignEvaluator final', 'assign_final_evaluator', msg('task.assign-final-evaluator', { dueAt: end, timeZone: zone }), `${id}:final-evaluator`, end);
  }
  if (stage === 'rectification' && s.rectification) {
    const r = s.rectification;
    if (r.planned) officer('completeRectification', 'rectification_review', msg('task.rectification-review'), `${id}:rectify-check:${r.id}`, r.dueAt);
    else applicant('submitRectificationPlan', 'rectification_plan', msg(r.cause === 'red_grade' ? 'task.rectification-plan-red' : 'task.rectification-plan-evaluation'), `${id}:rectify:${r.id}`, r.dueAt);
    if (r.overdueNotified) officer('followUpRectification', 'rectification_overdue', msg('task.rectification-overdue'), `${id}:rectification-overdue:${r.id}`);
  }
  const mid = s.evaluations.mid_term;
  if (mid && !mid.submitted && DELIVERING.concat('evaluation').includes(stage)) {
    person(mid.evaluatorId, 'submitEvaluation mid_term', 'evaluate', msg('task.evaluate-mid-term'), `${id}:evaluate:mid_term:${mid.evaluatorId}`);
  }
  const final = s.evaluations.final;
  // The final evaluation is filed in the evaluation stage: after a rectification it ordered, it is pending again.
  if (stage === 'evaluation' && final && !final.submitted) {
    const round = final.round ?? 1;
    const title = round > 1 ? msg('task.evaluate-again', { round }) : msg('task.evaluate-final');
    person(final.evaluatorId, 'submitEvaluation final', 'evaluate', title, `${id}:evaluate:final:${final.evaluatorId}${round > 1 ? `:${round}` : ''}`);
  }
  if (stage === 'evaluation' && final?.submitted) officer('closeProject or orderRectification', 'close_or_rectify', msg('task.close-or-rectify'), `${id}:close:${final.round ?? 1}`);
  return out;
}
