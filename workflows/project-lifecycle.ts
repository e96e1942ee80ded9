import * as wf from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../activities';
import type { ProjectEventInput, TaskSpec } from '../activities/project-events';
import * as m from './messages';
import type { Actor, ProjectInput, ProjectState, ProjectView } from './messages';
import { isTerminal, moveAllowed, DELIVERING, type Move, type Stage } from './stages';
import { serialiser } from './serialise';
import { addDuration, parseInstant } from './rules/duration';
import { weightedTotal } from './rules/review';
import { evaluationScore, gradeFor, subsidyFor } from './rules/evaluation';
import { supervisionIndex } from './rules/supervision';
import type { RuleViolation } from './rules/violations';

const acts = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds', backoffCoefficient: 2, nonRetryableErrorTypes: ['BusinessRule'] },
});

/** Updates handled in one run before continuing as new, well below the engine's 2,000 per history. */
export const MAX_UPDATES_PER_RUN = 500;

export function initialState(): ProjectState {
  return {
    stage: 'design',
    version: 0,
    colour: 'green',
    colourReasons: [],
    panel: [],
    revisionDueAt: null,
    contestId: null,
    agreement: null,
    reports: [],
    submittedPeriods: [],
    complaints: 0,
    supervisionIndex: null,
    rectification: null,
    evaluations: { mid_term: null, final: null },
  };
}

function illegal(stage: Stage, move: string, detail?: string): wf.ApplicationFailure {
  return wf.ApplicationFailure.create({
    type: 'IllegalMove',
    message: detail ?? `"${move}" is not allowed while the current stage is "${stage}"`,
    details: [{ currentStage: stage, move }],
    nonRetryable: true,
  });
}

function businessRule(errors: RuleViolation[]): wf.ApplicationFailure {
  return wf.ApplicationFailure.create({ type: 'BusinessRule', message: errors.map((e) => `${e.field}: ${e.message}`).join('; '), details: [{ errors }], nonRetryable: true });
}

function conflict(message: string): wf.ApplicationFailure {
  return wf.ApplicationFailure.create({ type: 'Conflict', message, nonRetryable: true });
}

const nowIso = () => new Date().toISOString();

/** One workflow per project (id `project-<id>`): it owns the stage, the deadlines and the timers. */
export async function projectLifecycle(input: ProjectInput): Promise<ProjectView> {
  const { projectId, rules, organisationId, regionPath } = input;
  const state: ProjectState = input.state ?? initialState();
  const maxUpdates = input.maxUpdatesPerRun ?? MAX_UPDATES_PER_RUN;
  let handled = 0;
  let changes = 0;

  const exclusive = serialiser();

  const officers = (kind: string, title: string, key: string, dueAt: string | null = null): TaskSpec => ({ key, role: 'officer', regionPath, kind, title, dueAt });
  const applicants = (kind: string, title: string, key: string, dueAt: string | null = null): TaskSpec => ({ key, role: 'applicant', organisationId, kind, title, dueAt });
  const person = (userId: string, kind: string, title: string, key: string, dueAt: string | null = null): TaskSpec => ({ key, userId, kind, title, dueAt });

  async function record(ev: Omit<ProjectEventInput, 'projectId' | 'at' | 'stage' | 'colour'>): Promise<void> {
    await acts.applyProjectEvent({ ...ev, projectId, at: nowIso(), stage: state.stage, colour: state.colour });
  }

  function view(): ProjectView {
    const openDeadlines: ProjectView['openDeadlines'] = [];
    const pendingActions: ProjectView['pendingActions'] = [];
    const s = state.stage;
    if (s === 'design') pendingActions.push({ action: 'submitDesign', who: 'applicant' });
    if (s === 'review') {
      if (state.panel.length === 0) pendingActions.push({ action: 'assignPanel', who: 'officer' });
      for (const seat of state.panel.filter((p) => !p.scored)) {
        openDeadlines.push({ kind: 'review', dueAt: seat.dueAt, who: seat.reviewerId });
        pendingActions.push({ action: 'submitReviewScore', who: seat.reviewerId });
      }
      if (state.panel.length > 0 && state.panel.every((p) => p.scored)) pendingActions.push({ action: 'decideReview', who: 'officer' });
    }
    if (s === 'revision' && state.revisionDueAt) {
      openDeadlines.push({ kind: 'revision', dueAt: state.revisionDueAt, who: 'applicant' });
      pendingActions.push({ action: 'submitDesign', who: 'applicant' });
    }
    if (s === 'approved') pendingActions.push({ action: 'enterContest or fundDirectly', who: 'officer' });
    if (DELIVERING.includes(s)) {
      for (const r of state.reports.filter((x) => !x.submitted)) {
        openDeadlines.push({ kind: 'monthly_report', dueAt: r.dueAt, who: 'applicant' });
        if (r.overdue) pendingActions.push({ action: `submitMonthlyReport period ${r.period}`, who: 'applicant' });
      }
    }
    if (s === 'rectification' && state.rectification) {
      openDeadlines.push({ kind: 'rectification', dueAt: state.rectification.dueAt, who: 'applicant' });
      pendingActions.push(state.rectification.planned ? { action: 'completeRectification', who: 'officer' } : { action: 'submitRectificationPlan', who: 'applicant' });
    }
    for (const kind of ['mid_term', 'final'] as const) {
      const seat = state.evaluations[kind];
      if (seat && !seat.submitted) pendingActions.push({ action: `submitEvaluation ${kind}`, who: seat.evaluatorId });
    }
    if (s === 'evaluation' && state.evaluations.final?.submitted) pendingActions.push({ action: 'closeProject or orderRectification', who: 'officer' });
    return { ...state, projectId, openDeadlines, pendingActions };
  }

  function requireMove(move: Move): void {
    if (!moveAllowed(state.stage, move)) throw illegal(state.stage, move);
  }

  /** Registers an update: the validator refuses a wrong stage before anything is written; the handler re-checks under the lock. */
  function on<A extends Actor>(def: UpdateDefinition<ProjectView, [A]>, move: Move, check: (a: A) => void, apply: (a: A, key: string) => Promise<void>): void {
    wf.setHandler(
      def,
      (a: A) => {
        const key = `${projectId}:${move}:${wf.currentUpdateInfo()?.id ?? wf.uuid4()}`;
        return exclusive(async () => {
          requireMove(move);
          check(a);
          await apply(a, key);
          handled++;
          changes++;
          return view();
        });
      },
      {
        validator: (a: A) => {
          requireMove(move);
          check(a);
        },
      },
    );
  }

  wf.setHandler(m.getState, view);

  // ---- design and review ------------------------------------------------------------------------
  on(m.submitDesign, 'submitDesign', () => undefined, async (a, key) => {
    const from = state.stage;
    state.version += 1;
    state.stage = 'review';
    state.panel = [];
    state.revisionDueAt = null;
    await record({
      key, kind: 'designSubmitted', actorId: a.actorId, data: { version: state.version, from },
      write: { op: 'designVersion', version: state.version },
      openTasks: [officers('assign_panel', 'Assign a review panel', `${projectId}:panel:${state.version}`)],
      closeTasks: [`${projectId}:revise:`, `${projectId}:design`],
    });
  });

  on(m.assignPanel, 'assignPanel', (a) => {
    if (state.panel.length > 0) throw conflict('a panel is already assigned; reassign a reviewer instead');
    if (a.reviewerIds.length !== rules.review.panelSize) {
      throw businessRule([{ field: '/body/reviewerIds', rule: 'panel-size', message: `the programme's panel has ${rules.review.panelSize} reviewers; ${a.reviewerIds.length} given` }]);
    }
  }, async (a, key) => {
    const now = nowIso();
    const dueAt = addDuration(now, rules.review.reviewerDeadline);
    const remindAt = addDuration(now, rules.review.reviewerReminder);
    state.panel = a.reviewerIds.map((reviewerId) => ({ reviewerId, dueAt, remindAt: remindAt < dueAt ? remindAt : null, reminded: false, lateNotified: false, scored: false, total: null }));
    await record({
      key, kind: 'panelAssigned', actorId: a.actorId, data: { reviewerIds: a.reviewerIds, dueAt },
      write: { op: 'panel', round: state.version, reviewerIds: a.reviewerIds, dueAt },
      openTasks: a.reviewerIds.map((r) => person(r, 'score_review', 'Score this project', `${projectId}:review:${state.version}:${r}`, dueAt)),
      closeTasks: [`${projectId}:panel:${state.version}`],
    });
  });

  on(m.reassignReviewer, 'reassignReviewer', (a) => {
    const seat = state.panel.find((p) => p.reviewerId === a.fromReviewerId);
    if (!seat) throw businessRule([{ field: '/body/fromReviewerId', rule: 'on-panel', message: 'is not on the panel' }]);
    if (seat.scored) throw conflict('this reviewer has already scored; their sheet stays');
    if (state.panel.some((p) => p.reviewerId === a.toReviewerId)) throw businessRule([{ field: '/body/toReviewerId', rule: 'not-on-panel', message: 'is already on the panel' }]);
  }, async (a, key) => {
    const now = nowIso();
    const dueAt = addDuration(now, rules.review.reviewerDeadline);
    const remindAt = addDuration(now, rules.review.reviewerReminder);
    state.panel = state.panel.map((p) =>
      p.reviewerId === a.fromReviewerId ? { reviewerId: a.toReviewerId, dueAt, remindAt: remindAt < dueAt ? remindAt : null, reminded: false, lateNotified: false, scored: false, total: null } : p,
    );
    await record({
      key, kind: 'reviewerReassigned', actorId: a.actorId, data: { from: a.fromReviewerId, to: a.toReviewerId, dueAt },
      write: { op: 'reassign', round: state.version, from: a.fromReviewerId, to: a.toReviewerId, dueAt },
      openTasks: [person(a.toReviewerId, 'score_review', 'Score this project', `${projectId}:review:${state.version}:${a.toReviewerId}`, dueAt)],
      closeTasks: [`${projectId}:review:${state.version}:${a.fromReviewerId}`, `${projectId}:remind-review:${state.version}:${a.fromReviewerId}`, `${projectId}:late-review:${state.version}:${a.fromReviewerId}`],
    });
  });

  on(m.submitReviewScore, 'submitReviewScore', (a) => {
    if (!state.panel.some((p) => p.reviewerId === a.actorId)) throw businessRule([{ field: '/actor', rule: 'on-panel', message: 'you are not on this project\'s review panel' }]);
  }, async (a, key) => {
    const total = weightedTotal(rules.review.criteria, a.scores);
    state.panel = state.panel.map((p) => (p.reviewerId === a.actorId ? { ...p, scored: true, total } : p));
    const complete = state.panel.every((p) => p.scored);
    await record({
      key, kind: 'reviewScored', actorId: a.actorId, data: { total },
      write: { op: 'reviewScore', round: state.version, reviewerId: a.actorId, scores: a.scores, comments: a.comments, total },
      openTasks: complete ? [officers('decide_review', 'Decide on the review', `${projectId}:decide:${state.version}`)] : [],
      closeTasks: [`${projectId}:review:${state.version}:${a.actorId}`, `${projectId}:remind-review:${state.version}:${a.actorId}`, `${projectId}:late-review:${state.version}:${a.actorId}`],
    });
  });

  on(m.decideReview, 'decideReview', () => {
    const missing = state.panel.filter((p) => !p.scored).map((p) => p.reviewerId);
    if (state.panel.length === 0 || missing.length > 0) {
      throw businessRule([{ field: '/body/decision', rule: 'scores-complete', message: state.panel.length === 0 ? 'no panel is assigned yet' : `scores are missing from ${missing.length} reviewer(s): ${missing.join(', ')}` }]);
    }
  }, async (a, key) => {
    const totals = state.panel.map((p) => p.total ?? 0);
    const mean = Math.round((totals.reduce((s, t) => s + t, 0) / totals.length) * 100) / 100;
    const sheet = { totals: state.panel.map((p) => ({ reviewerId: p.reviewerId, total: p.total })), mean, spread: Math.round((Math.max(...totals) - Math.min(...totals)) * 100) / 100 };
    const next: Record<typeof a.decision, Stage> = { approve: 'approved', revise: 'revision', reject: 'rejected' };
    state.stage = next[a.decision];
    state.revisionDueAt = a.decision === 'revise' ? addDuration(nowIso(), rules.review.revisionDeadline) : null;
    await record({
      key, kind: 'reviewDecided', actorId: a.actorId, data: { decision: a.decision, comment: a.comment, scoreSheet: sheet },
      write: { op: 'reviewDecision', round: state.version, decision: a.decision, comment: a.comment, scoreSheet: sheet, revisionDueAt: state.revisionDueAt },
      openTasks: a.decision === 'revise' ? [applicants('revise_design', 'Revise the proposal and resubmit', `${projectId}:revise:${state.version}`, state.revisionDueAt)] : [],
      closeTasks: [`${projectId}:decide:${state.version}`],
    });
  });

  on(m.withdrawProject, 'withdrawProject', () => undefined, async (a, key) => {
    await withdraw(key, a.actorId, a.reason);
  });

  async function withdraw(key: string, actorId: string | null, reason: string): Promise<void> {
    const from = state.stage;
    state.stage = 'withdrawn';
    state.revisionDueAt = null;
    await record({ key, kind: 'withdrawn', actorId, data: { from, reason }, closeTasks: [`${projectId}:`] });
  }

  // ---- contest and funding ----------------------------------------------------------------------
  on(m.enterContest, 'enterContest', () => undefined, async (a, key) => {
    state.stage = 'in_contest';
    state.contestId = a.contestId;
    await record({ key, kind: 'enteredContest', actorId: a.actorId, data: { contestId: a.contestId } });
  });

  on(m.leaveContest, 'leaveContest', (a) => {
    if (state.contestId !== a.contestId) throw conflict(`the project is in contest ${state.contestId}, not ${a.contestId}`);
  }, async (a, key) => {
    state.stage = 'approved';
    state.contestId = null;
    await record({ key, kind: 'leftContest', actorId: a.actorId, data: { contestId: a.contestId, reason: a.reason } });
  });

  const agreementRules = (terms: m.AgreementTerms): RuleViolation[] => {
    const errors: RuleViolation[] = [];
    if (terms.endDate <= terms.startDate) errors.push({ field: '/body/endDate', rule: 'after-start', message: 'must be after the start date' });
    const tranches = terms.tranches.reduce((s, t) => s + t.amountFen, 0);
    if (tranches !== terms.amountFen) errors.push({ field: '/body/tranches', rule: 'tranches-sum', message: `tranches add up to ${tranches} fen, the agreement is for ${terms.amountFen} fen` });
    if (!terms.fundingSources?.length) errors.push({ field: '/body/fundingSources', rule: 'funding-sources', message: 'name at least one source of the money' });
    return errors;
  };

  async function startDelivery(key: string, actorId: string, terms: m.AgreementTerms, kind: string): Promise<void> {
    const now = nowIso();
    const startAt = `${terms.startDate}T00:00:00.000Z`;
    state.stage = 'delivery';
    state.agreement = {
      startDate: terms.startDate,
      endDate: terms.endDate,
      amountFen: terms.amountFen,
      finalTrancheFen: terms.tranches[terms.tranches.length - 1]?.amountFen ?? 0,
      // Reports cover the time from signing: an agreement signed after its start date owes nothing for the days before.
      reportsFrom: startAt > now ? startAt : now,
    };
    state.reports = [];
    scheduleNextReport();
    await record({
      key, kind, actorId, data: { contestId: state.contestId, amountFen: terms.amountFen, startDate: terms.startDate, endDate: terms.endDate, fundingSources: terms.fundingSources },
      write: { op: 'agreement', terms },
    });
  }

  on(m.awardContest, 'awardContest', (a) => {
    if (state.contestId !== a.contestId) throw conflict(`the project is in contest ${state.contestId}, not ${a.contestId}`);
    const errors = agreementRules(a.agreement);
    if (errors.length) throw businessRule(errors);
  }, (a, key) => startDelivery(key, a.actorId, a.agreement, 'awarded'));

  on(m.fundDirectly, 'fundDirectly', (a) => {
    const errors = agreementRules(a.agreement);
    if (errors.length) throw businessRule(errors);
  }, (a, key) => startDelivery(key, a.actorId, a.agreement, 'fundedDirectly'));

  // ---- delivery ---------------------------------------------------------------------------------
  const withinAgreement = (date: string, field: string): RuleViolation[] => {
    const ag = state.agreement;
    if (ag && (date < ag.startDate || date > ag.endDate)) return [{ field, rule: 'within-agreement', message: `${date} is outside the agreement (${ag.startDate} to ${ag.endDate})` }];
    return [];
  };

  on(m.recordServiceRecord, 'recordServiceRecord', (a) => {
    const errors = withinAgreement(a.record.heldOn, '/body/heldOn');
    if (errors.length) throw businessRule(errors);
  }, async (a, key) => {
    const hours = a.record.volunteers.reduce((s, v) => s + v.hours, 0);
    await record({ key, kind: 'serviceRecorded', actorId: a.actorId, data: { id: a.record.id, activity: a.record.activity, peopleServed: a.record.peopleServed, volunteerHours: hours }, write: { op: 'serviceRecord', record: a.record } });
  });

  on(m.recordSpending, 'recordSpending', (a) => {
    const errors = withinAgreement(a.entry.spentOn, '/body/spentOn');
    if (errors.length) throw businessRule(errors);
  }, async (a, key) => {
    await record({ key, kind: 'spendingRecorded', actorId: a.actorId, data: { id: a.entry.id, budgetItem: a.entry.budgetItem, amountFen: a.entry.amountFen }, write: { op: 'spending', entry: a.entry } });
    await refreshColour(`${key}:colour`);
  });

  on(m.completeMilestone, 'completeMilestone', () => undefined, async (a, key) => {
    await record({ key, kind: 'milestoneCompleted', actorId: a.actorId, data: { seq: a.seq, note: a.note }, write: { op: 'milestoneDone', seq: a.seq, note: a.note } });
  });

  // ---- monitoring -------------------------------------------------------------------------------
  function scheduleNextReport(): void {
    const ag = state.agreement;
    if (!ag) return;
    const last = Math.max(0, ...state.reports.map((r) => r.period), ...state.submittedPeriods);
    const period = last + 1;
    const periodStart = addDuration(ag.reportsFrom, rules.monitoring.reportInterval, period - 1);
    if (periodStart >= `${ag.endDate}T23:59:59.999Z`) return;
    const periodEnd = addDuration(ag.reportsFrom, rules.monitoring.reportInterval, period);
    state.reports.push({ period, periodStart, dueAt: addDuration(periodEnd, rules.monitoring.reportGrace), submitted: false, overdue: false });
  }

  on(m.submitMonthlyReport, 'submitMonthlyReport', (a) => {
    if (state.submittedPeriods.includes(a.period)) throw conflict(`the report for period ${a.period} was already submitted`);
    const due = state.reports.find((r) => r.period === a.period);
    if (!due) throw businessRule([{ field: '/body/period', rule: 'period-open', message: `period ${a.period} has not started yet (open periods: ${state.reports.map((r) => r.period).join(', ') || 'none'})` }]);
  }, async (a, key) => {
    const due = state.reports.find((r) => r.period === a.period)!;
    const late = due.overdue;
    state.reports = state.reports.filter((r) => r.period !== a.period);
    state.submittedPeriods.push(a.period);
    if (state.reports.length === 0) scheduleNextReport();
    await record({
      key, kind: 'monthlyReportSubmitted', actorId: a.actorId, data: { period: a.period, late },
      write: { op: 'monthlyReport', period: a.period, summary: a.summary, indicatorProgress: a.indicatorProgress, late },
      closeTasks: [`${projectId}:report-overdue:${a.period}`],
    });
    await refreshColour(`${key}:colour`);
  });

  on(m.recordSupervisionVisit, 'recordSupervisionVisit', () => undefined, async (a, key) => {
    const index = supervisionIndex(rules.monitoring.supervisionDimensions, a.visit.scores);
    state.supervisionIndex = index;
    await record({ key, kind: 'supervisionVisited', actorId: a.actorId, data: { id: a.visit.id, supervisionIndex: index }, write: { op: 'supervisionVisit', visit: a.visit, supervisionIndex: index } });
    await refreshColour(`${key}:colour`);
  });

  on(m.recordComplaint, 'recordComplaint', () => undefined, async (a, key) => {
    state.complaints += 1;
    await record({ key, kind: 'complaintRecorded', actorId: a.actorId, data: { id: a.complaint.id }, write: { op: 'complaint', complaint: a.complaint } });
    await refreshColour(`${key}:colour`);
  });

  on(m.recordQuarterlyReview, 'recordQuarterlyReview', () => undefined, async (a, key) => {
    await record({ key, kind: 'quarterlyReviewRecorded', actorId: a.actorId, data: { quarter: a.review.quarter }, write: { op: 'quarterlyReview', review: a.review } });
  });

  /** The colour follows every fact; a red grade in delivery opens a rectification with a deadline. */
  async function refreshColour(key: string): Promise<void> {
    const overdueReports = state.reports.filter((r) => r.overdue && !r.submitted).length;
    const result = await acts.recomputeColour({ projectId, key, at: nowIso(), overdueReports, complaints: state.complaints, supervisionIndex: state.supervisionIndex, colourRules: rules.monitoring.colour });
    state.colour = result.colour;
    state.colourReasons = result.reasons;
    if (result.colour === 'red' && state.stage === 'delivery') {
      const dueAt = addDuration(nowIso(), rules.monitoring.colour.rectificationDeadline);
      state.stage = 'rectification';
      state.rectification = { id: wf.uuid4(), cause: 'red_grade', dueAt, planned: false, overdueNotified: false };
      await record({
        key: `${key}:rectification`, kind: 'rectificationOpened', actorId: null, data: { cause: 'red_grade', reasons: result.reasons, dueAt },
        write: { op: 'rectificationOpen', id: state.rectification.id, cause: 'red_grade', reason: result.reasons.join('; '), dueAt },
        openTasks: [applicants('rectification_plan', 'Red grade: submit a rectification plan', `${projectId}:rectify:${state.rectification.id}`, dueAt)],
      });
    }
  }

  on(m.submitRectificationPlan, 'submitRectificationPlan', () => {
    if (state.rectification?.planned) throw conflict('a rectification plan is already submitted');
  }, async (a, key) => {
    const r = state.rectification!;
    r.planned = true;
    await record({
      key, kind: 'rectificationPlanned', actorId: a.actorId, data: { rectificationId: r.id },
      write: { op: 'rectificationPlan', id: r.id, plan: a.plan },
      openTasks: [officers('rectification_review', 'Check the rectification and complete it', `${projectId}:rectify-check:${r.id}`, r.dueAt)],
      closeTasks: [`${projectId}:rectify:${r.id}`],
    });
  });

  on(m.completeRectification, 'completeRectification', () => {
    if (!state.rectification?.planned) throw businessRule([{ field: '/body', rule: 'plan-submitted', message: 'the applicant has not submitted a rectification plan yet' }]);
  }, async (a, key) => {
    const r = state.rectification!;
    state.stage = r.cause === 'red_grade' ? 'delivery' : 'evaluation';
    state.rectification = null;
    state.complaints = 0; // a completed rectification answers the complaints before it
    await record({
      key, kind: 'rectificationCompleted', actorId: a.actorId, data: { rectificationId: r.id, note: a.note, backTo: state.stage },
      write: { op: 'rectificationComplete', id: r.id },
      closeTasks: [`${projectId}:rectify`],
    });
    if (state.stage === 'delivery') await refreshColour(`${key}:colour`);
  });

  // ---- evaluation and closure -------------------------------------------------------------------
  on(m.assignEvaluator, 'assignEvaluator', (a) => {
    if (a.kind === 'final' && state.stage !== 'delivery') throw illegal(state.stage, 'assignEvaluator', `the final evaluation starts from delivery; the current stage is "${state.stage}"`);
    if (state.evaluations[a.kind]?.submitted) throw conflict(`the ${a.kind} evaluation is already submitted`);
  }, async (a, key) => {
    state.evaluations[a.kind] = { evaluatorId: a.evaluatorId, submitted: false, grade: null };
    if (a.kind === 'final') state.stage = 'evaluation';
    await record({
      key, kind: 'evaluatorAssigned', actorId: a.actorId, data: { kind: a.kind, evaluatorId: a.evaluatorId },
      write: { op: 'evaluationAssign', kind: a.kind, evaluatorId: a.evaluatorId },
      openTasks: [person(a.evaluatorId, 'evaluate', `File the ${a.kind === 'final' ? 'final' : 'mid-term'} evaluation`, `${projectId}:evaluate:${a.kind}:${a.evaluatorId}`)],
    });
  });

  on(m.submitEvaluation, 'submitEvaluation', (a) => {
    const seat = state.evaluations[a.kind];
    if (!seat || seat.evaluatorId !== a.actorId) throw businessRule([{ field: '/actor', rule: 'assigned-evaluator', message: `you are not the assigned ${a.kind} evaluator` }]);
    if (seat.submitted) throw conflict(`the ${a.kind} evaluation is already submitted`);
    if (a.kind === 'final' && state.stage !== 'evaluation') throw illegal(state.stage, 'submitEvaluation');
  }, async (a, key) => {
    const score = evaluationScore(rules.evaluation.indicators, a.scores);
    const grade = gradeFor(rules.evaluation.thresholds, score);
    const subsidy = a.kind === 'final' ? subsidyFor(rules.evaluation, grade, state.agreement?.finalTrancheFen ?? 0) : null;
    state.evaluations[a.kind] = { evaluatorId: a.actorId, submitted: true, grade };
    await record({
      key, kind: 'evaluationSubmitted', actorId: a.actorId, data: { kind: a.kind, score, grade, subsidy },
      write: { op: 'evaluationSubmit', kind: a.kind, scores: a.scores, comments: a.comments, score, grade, subsidy },
      openTasks: a.kind === 'final' ? [officers('close_or_rectify', 'Close the project or order rectification', `${projectId}:close:${key}`)] : [],
      closeTasks: [`${projectId}:evaluate:${a.kind}:`],
    });
  });

  on(m.closeProject, 'closeProject', () => {
    if (!state.evaluations.final?.submitted) throw businessRule([{ field: '/body', rule: 'final-evaluation', message: 'the final evaluation is not submitted yet' }]);
  }, async (a, key) => {
    state.stage = 'closed';
    await record({ key, kind: 'closed', actorId: a.actorId, data: { grade: state.evaluations.final?.grade }, write: { op: 'closure', finalReport: a.finalReport }, closeTasks: [`${projectId}:`] });
  });

  on(m.orderRectification, 'orderRectification', () => {
    if (!state.evaluations.final?.submitted) throw businessRule([{ field: '/body', rule: 'final-evaluation', message: 'the final evaluation is not submitted yet' }]);
  }, async (a, key) => {
    const dueAt = addDuration(nowIso(), rules.monitoring.colour.rectificationDeadline);
    const evaluatorId = state.evaluations.final!.evaluatorId;
    state.stage = 'rectification';
    state.rectification = { id: wf.uuid4(), cause: 'failed_evaluation', dueAt, planned: false, overdueNotified: false };
    // After rectification the same evaluator scores the final evaluation again.
    state.evaluations.final = { evaluatorId, submitted: false, grade: null };
    await record({
      key, kind: 'rectificationOpened', actorId: a.actorId, data: { cause: 'failed_evaluation', reason: a.reason, dueAt },
      write: { op: 'rectificationOpen', id: state.rectification.id, cause: 'failed_evaluation', reason: a.reason, dueAt, reopenFinalEvaluation: true },
      openTasks: [applicants('rectification_plan', 'Evaluation: submit a rectification plan', `${projectId}:rectify:${state.rectification.id}`, dueAt)],
      closeTasks: [`${projectId}:close:`],
    });
  });

  // ---- timers -----------------------------------------------------------------------------------
  function nextDeadline(): number | null {
    const times: string[] = [];
    if (state.stage === 'review') {
      for (const p of state.panel.filter((x) => !x.scored)) {
        if (p.remindAt && !p.reminded) times.push(p.remindAt);
        if (!p.lateNotified) times.push(p.dueAt);
      }
    }
    if (state.stage === 'revision' && state.revisionDueAt) times.push(state.revisionDueAt);
    if (DELIVERING.includes(state.stage)) {
      for (const r of state.reports) if (!r.overdue) times.push(r.dueAt);
      const last = state.reports[state.reports.length - 1];
      if (last) times.push(addDuration(last.periodStart, rules.monitoring.reportInterval)); // the next period opens
    }
    if (state.stage === 'rectification' && state.rectification && !state.rectification.overdueNotified) times.push(state.rectification.dueAt);
    return times.length ? Math.min(...times.map(parseInstant)) : null;
  }

  async function processDue(): Promise<void> {
    const now = Date.now();
    const due = (iso: string) => parseInstant(iso) <= now;
    if (state.stage === 'review') {
      for (const p of state.panel.filter((x) => !x.scored)) {
        if (p.remindAt && !p.reminded && due(p.remindAt)) {
          p.reminded = true;
          await record({
            key: `${projectId}:remind-review:${state.version}:${p.reviewerId}`, kind: 'reviewReminder', actorId: null, data: { reviewerId: p.reviewerId, dueAt: p.dueAt },
            openTasks: [person(p.reviewerId, 'reminder', `Reminder: your review score is due ${p.dueAt}`, `${projectId}:remind-review:${state.version}:${p.reviewerId}`, p.dueAt)],
          });
        }
        if (!p.lateNotified && due(p.dueAt)) {
          p.lateNotified = true;
          await record({
            key: `${projectId}:late-review:${state.version}:${p.reviewerId}`, kind: 'reviewOverdue', actorId: null, data: { reviewerId: p.reviewerId },
            openTasks: [officers('reassign_reviewer', `A reviewer missed the deadline; reassign or wait`, `${projectId}:late-review:${state.version}:${p.reviewerId}`)],
          });
        }
      }
    }
    if (state.stage === 'revision' && state.revisionDueAt && due(state.revisionDueAt)) {
      await withdraw(`${projectId}:revision-expired:${state.version}`, null, 'no resubmission before the revision deadline');
    }
    if (DELIVERING.includes(state.stage)) {
      let changed = false;
      for (const r of state.reports) {
        if (!r.overdue && !r.submitted && due(r.dueAt)) {
          r.overdue = true;
          changed = true;
          await record({
            key: `${projectId}:report-overdue:${r.period}`, kind: 'reportOverdue', actorId: null, data: { period: r.period, dueAt: r.dueAt },
            openTasks: [applicants('monthly_report', `Monthly report ${r.period} is overdue`, `${projectId}:report-overdue:${r.period}`, r.dueAt)],
          });
        }
      }
      const last = state.reports[state.reports.length - 1];
      if (!last || due(addDuration(last.periodStart, rules.monitoring.reportInterval))) {
        const before = state.reports.length;
        scheduleNextReport();
        if (state.reports.length !== before) changes++;
      }
      if (changed) await refreshColour(`${projectId}:report-overdue-colour:${state.reports.filter((r) => r.overdue).map((r) => r.period).join(',')}`);
    }
    if (state.stage === 'rectification' && state.rectification && !state.rectification.overdueNotified && due(state.rectification.dueAt)) {
      state.rectification.overdueNotified = true;
      await record({
        key: `${projectId}:rectification-overdue:${state.rectification.id}`, kind: 'rectificationOverdue', actorId: null, data: { rectificationId: state.rectification.id },
        openTasks: [officers('rectification_overdue', 'A rectification is past its deadline', `${projectId}:rectification-overdue:${state.rectification.id}`)],
      });
    }
  }

  while (!isTerminal(state.stage)) {
    const next = nextDeadline();
    const seen = changes;
    const wake = () => changes !== seen || wf.workflowInfo().continueAsNewSuggested || handled >= maxUpdates;
    if (next === null) await wf.condition(wake);
    else await wf.condition(wake, Math.max(1, next - Date.now()));
    await exclusive(processDue);
    if (!isTerminal(state.stage) && (wf.workflowInfo().continueAsNewSuggested || handled >= maxUpdates)) {
      await wf.condition(wf.allHandlersFinished);
      await wf.continueAsNew<typeof projectLifecycle>({ ...input, state });
    }
  }
  await wf.condition(wf.allHandlersFinished);
  return view();
}
