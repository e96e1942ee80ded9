import * as m from '../messages';
import { businessRule, conflict } from '../refusals';
import { supervisionIndex } from '../rules/supervision';
import { violation } from '../rules/violations';
import * as wf from '@temporalio/workflow';
import { move, RECTIFICATION_ANSWERS_FACTS, type AnyMove } from './state';
import { msg } from '../../i18n/message';

// Monitoring (项目监测): monthly reports, supervision visits, complaints and quarterly reviews move the
// four-colour grade; a red grade in delivery opens a rectification, which the applicant plans and the officer completes.

export const submitMonthlyReport = move({
  def: m.submitMonthlyReport,
  move: 'submitMonthlyReport',
  check(p, a) {
    const s = p.state;
    if (s.submittedPeriods.includes(a.period)) throw conflict(msg('problem.conflict.report-submitted', { period: a.period }));
    const due = s.reports.find((r) => r.period === a.period);
    if (!due) {
      const open = s.reports.map((r) => r.period).join(', ');
      throw businessRule([open ? violation('/body/period', 'period-open', 'rule.monitoring.period-open', { period: a.period, open }) : violation('/body/period', 'period-open', 'rule.monitoring.period-open-none', { period: a.period })]);
    }
  },
  async apply(p, a, key) {
    const s = p.state;
    const due = s.reports.find((r) => r.period === a.period)!;
    const late = due.overdue;
    s.reports = s.reports.filter((r) => r.period !== a.period);
    s.submittedPeriods.push(a.period);
    if (s.reports.length === 0) p.scheduleNextReport();
    await p.recordAndRecolour({
      key, kind: 'monthlyReportSubmitted', actorId: a.actorId, data: { period: a.period, late },
      write: { op: 'monthlyReport', period: a.period, summary: a.summary, indicatorProgress: a.indicatorProgress, late },
    });
  },
});

export const recordSupervisionVisit = move({
  def: m.recordSupervisionVisit,
  move: 'recordSupervisionVisit',
  async apply(p, a, key) {
    const index = supervisionIndex(p.rules.monitoring.supervisionDimensions, a.visit.scores);
    p.state.supervisionIndex = index;
    await p.recordAndRecolour({ key, kind: 'supervisionVisited', actorId: a.actorId, data: { id: a.visit.id, supervisionIndex: index }, write: { op: 'supervisionVisit', visit: a.visit, supervisionIndex: index } });
  },
});

export const recordComplaint = move({
  def: m.recordComplaint,
  move: 'recordComplaint',
  async apply(p, a, key) {
    p.state.complaints += 1;
    await p.recordAndRecolour({ key, kind: 'complaintRecorded', actorId: a.actorId, data: { id: a.complaint.id }, write: { op: 'complaint', complaint: a.complaint } });
  },
});

export const recordQuarterlyReview = move({
  def: m.recordQuarterlyReview,
  move: 'recordQuarterlyReview',
  async apply(p, a, key) {
    // A review held answers the oldest quarter waiting for one (a review with none due is simply recorded).
    p.state.quarterlyReviews?.due.shift();
    await p.record({ key, kind: 'quarterlyReviewRecorded', actorId: a.actorId, data: { quarter: a.review.quarter }, write: { op: 'quarterlyReview', review: a.review } });
  },
});

export const submitRectificationPlan = move({
  def: m.submitRectificationPlan,
  move: 'submitRectificationPlan',
  check(p) {
    if (p.state.rectification?.planned) throw conflict(msg('problem.conflict.rectification-planned'));
  },
  async apply(p, a, key) {
    const r = p.state.rectification!;
    r.planned = true;
    const revised = { ...(a.spendingPlan ? { spendingPlan: a.spendingPlan } : {}), ...(a.indicatorTargets ? { indicatorTargets: a.indicatorTargets } : {}) };
    await p.record({
      key, kind: 'rectificationPlanned', actorId: a.actorId, data: { rectificationId: r.id, ...(Object.keys(revised).length ? { revised } : {}) },
      write: { op: 'rectificationPlan', id: r.id, plan: a.plan, ...revised },
    });
  },
});

export const completeRectification = move({
  def: m.completeRectification,
  move: 'completeRectification',
  check(p) {
    if (!p.state.rectification?.planned) throw businessRule([violation('/body', 'plan-submitted', 'rule.rectification.plan-submitted')]);
  },
  async apply(p, a, key) {
    const s = p.state;
    const r = s.rectification!;
    s.stage = r.cause === 'red_grade' ? 'delivery' : 'evaluation';
    s.rectification = null;
    s.complaints = 0; // a completed rectification answers the complaints before it
    await p.record({
      key, kind: 'rectificationCompleted', actorId: a.actorId, data: { rectificationId: r.id, note: a.note, backTo: s.stage },
      write: { op: 'rectificationComplete', id: r.id },
    });
    // Re-graded on the rectified facts (a revised plan counts from now on); what it finds red is answered.
    if (s.stage === 'delivery') await p.refreshColour(`${key}:colour`, { answering: wf.patched(RECTIFICATION_ANSWERS_FACTS) });
  },
});

export const monitoringMoves: AnyMove[] = [submitMonthlyReport, recordSupervisionVisit, recordComplaint, recordQuarterlyReview, submitRectificationPlan, completeRectification];
