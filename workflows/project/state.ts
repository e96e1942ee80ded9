import * as wf from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { ProjectEventInput } from '../../activities/project-events';
import type { Actor, ProjectInput, ProjectState, ProjectView } from '../messages';
import { DELIVERING, moveAllowed, type Move } from '../stages';
import { serialiser } from '../serialise';
import { illegal } from '../refusals';
import { addDuration } from '../rules/duration';
import { guarded, projectActivities, projectLocalActivities } from '../activity-options';
import type { ProgrammeRules } from '../rules/programme-rules';
import { redIsNew, type ColourFacts } from '../rules/colour';
import { agreementEnd, pendingActions, reportPeriod, type PendingAction } from './pending';
import type { Message } from '../../i18n/message';

/** Updates handled in one run before continuing as new, well below the engine's 2,000 per history. */
export const MAX_UPDATES_PER_RUN = 500;

// Markers of behaviour changed since histories were recorded (docs/workflows.md lists them). Each is asked
// with patched() where the new behaviour starts, so a replayed old history keeps the old commands.
/** Moves that also recompute the colour do it inside their one event activity (before: a second activity). */
export const ONE_ACTIVITY_PER_MOVE = 'one-activity-per-move';
/**
 * A completed rectification answers the facts it was accepted on: a red grade on those alone, no worse, opens no
 * new rectification (before: the same fact re-opened one at once, and the project could never leave rectification).
 */
export const RECTIFICATION_ANSWERS_FACTS = 'rectification-answers-facts';
/** Timers and events that put every pending action in an inbox: a report period opening, its reminder, quarterly reviews. */
export const INBOX_FOLLOWS_PENDING_ACTIONS = 'inbox-follows-pending-actions';
/**
 * A contest award below the amount asked waits in `rescoping` for the applicant to accept a budget re-scoped to the
 * award or to decline it (before: the project went straight to delivery with the budget it had asked for).
 */
export const PARTIAL_AWARD_RESCOPING = 'partial-award-rescoping';
/**
 * A monthly report's month is the programme zone's calendar month, its due date that zone's days after it; the
 * agreement's dates are that zone's days (before: periods stepped from signing on the UTC calendar).
 */
export const REPORT_MONTH_IN_ZONE = 'report-month-in-zone';
/**
 * Quarterly reviews (季例会) of an agreement with a report zone follow that zone's calendar months and days, as its
 * monthly reports do (before: they stepped from the first report day on the UTC calendar).
 */
export const QUARTER_IN_ZONE = 'quarter-in-zone';
/** The deadline timer is kept across moves that leave the next deadline where it was (before: cancelled and started again after every move). */
export const DEADLINE_TIMER_KEPT = 'deadline-timer-kept';
/**
 * A move's event (and colour) is written by a local activity inside the workflow task that handles the move (before:
 * a scheduled activity, a second workflow task and three more history events a move). Asked once when a run starts.
 */
export const PROJECT_WRITES_LOCAL = 'project-writes-local';

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
    answeredFacts: null,
  };
}

export const nowIso = () => new Date().toISOString();

/** What an event write carries besides what the run fills in (project, time, stage, colour and the pending actions). */
export type EventSpec = Omit<ProjectEventInput, 'projectId' | 'at' | 'stage' | 'colour' | 'pending'>;

/** The recompute a move asks for: the facts the workflow holds, sent with the event or on their own. */
export interface Recolour {
  key: string;
}

/**
 * One update: which move it is (the stage table decides where it is allowed), a check that refuses it before
 * anything is written (run by the validator and again under the lock), and what it does.
 */
export interface MoveSpec<A extends Actor> {
  def: UpdateDefinition<ProjectView, [A]>;
  move: Move;
  check?: (p: ProjectRun, a: A) => void;
  apply: (p: ProjectRun, a: A, key: string) => Promise<void>;
}

/** Any move, for the lists each feature exports (the workflow registers them all). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyMove = MoveSpec<any>;

/** Declares a move with its argument type inferred from the update definition. */
export function move<A extends Actor>(spec: MoveSpec<A>): MoveSpec<A> {
  return spec;
}

/**
 * One run of a project's lifecycle: the shared state every feature's handlers work on, and the helpers they
 * share (the event write, the colour, the report schedule, the view). Handlers run one at a time behind the
 * serialiser; a handler whose write fails leaves the state as it was.
 */
export class ProjectRun {
  readonly state: ProjectState;
  readonly projectId: string;
  readonly rules: ProgrammeRules;
  readonly organisationId: string;
  readonly regionPath: string;
  readonly maxUpdates: number;
  /** Updates handled in this run (continue-as-new counts them) and changes the timer loop wakes on. */
  handled = 0;
  changes = 0;
  /** The project's creation failed: the run ends without a project. */
  abandoned = false;
  readonly exclusive = serialiser();
  /** Where this run's event writes go: local activities, or scheduled ones in a run recorded before. */
  private readonly writes: typeof projectActivities;

  constructor(readonly input: ProjectInput) {
    this.writes = wf.patched(PROJECT_WRITES_LOCAL) ? projectLocalActivities : projectActivities;
    this.state = input.state ?? initialState();
    this.projectId = input.projectId;
    this.rules = input.rules;
    this.organisationId = input.organisationId;
    this.regionPath = input.regionPath;
    this.maxUpdates = input.maxUpdatesPerRun ?? MAX_UPDATES_PER_RUN;
  }

  /** What waits for whom in the current state: the live view's pendingActions and the inbox's open tasks. */
  pending(): PendingAction[] {
    return pendingActions(this.state, this);
  }

  /** The event as the activity takes it: the state after the move, with the pending actions its inbox must hold. */
  private event(ev: EventSpec): ProjectEventInput {
    const s = this.state;
    return { ...ev, projectId: this.projectId, at: nowIso(), stage: s.stage, colour: s.colour, pending: this.pending().map((a) => a.task) };
  }

  /**
   * Writes one event (its document, the read model, the timeline) in one activity transaction, which also
   * reconciles the project's open tasks with the pending actions of the state after the event.
   */
  async record(ev: EventSpec): Promise<void> {
    await guarded(this.alertSubject(), ev.key, () => this.writes.applyProjectEvent(this.event(ev)));
  }

  /**
   * Writes an event and recomputes the four-colour grade from every fact. Old runs did it in two activities;
   * new runs in one, the recompute inside the event's transaction. A red grade in delivery opens a rectification.
   */
  async recordAndRecolour(ev: EventSpec): Promise<void> {
    const key = `${ev.key}:colour`;
    if (!wf.patched(ONE_ACTIVITY_PER_MOVE)) {
      await this.record(ev);
      await this.refreshColour(key);
      return;
    }
    const r = await guarded(this.alertSubject(), ev.key, () => this.writes.applyProjectEvent({ ...this.event(ev), recolour: { key, ...this.colourFacts() } }));
    await this.applyColour(key, r.colour!);
  }

  private colourFacts() {
    const s = this.state;
    return { overdueReports: s.reports.filter((r) => r.overdue && !r.submitted).length, complaints: s.complaints, supervisionIndex: s.supervisionIndex, colourRules: this.rules.monitoring.colour };
  }

  /**
   * The colour follows every fact; a red grade in delivery opens a rectification with a deadline. `answering`: the
   * recompute that accepts a rectification, whose facts are from then on answered.
   */
  async refreshColour(key: string, opts: { answering?: boolean } = {}): Promise<void> {
    const result = await guarded(this.alertSubject(), key, () => this.writes.recomputeColour({ projectId: this.projectId, key, at: nowIso(), ...this.colourFacts() }));
    if (opts.answering && result.facts) this.state.answeredFacts = result.facts;
    await this.applyColour(key, result);
  }

  private async applyColour(key: string, result: { colour: ProjectState['colour']; reasons: string[]; messages?: Message[]; facts?: ColourFacts }): Promise<void> {
    const s = this.state;
    s.colour = result.colour;
    s.colourReasons = result.reasons;
    // Only read by the API, which renders them in the reader's language: no command depends on it.
    s.colourReasonMessages = result.messages;
    if (result.colour === 'red' && s.stage === 'delivery') {
      // A red grade on facts a completed rectification answered, none worse, is no reason to rectify again.
      if (s.answeredFacts && result.facts && wf.patched(RECTIFICATION_ANSWERS_FACTS) && !redIsNew(this.rules.monitoring.colour, result.facts, s.answeredFacts)) return;
      const dueAt = addDuration(nowIso(), this.rules.monitoring.colour.rectificationDeadline);
      s.stage = 'rectification';
      s.rectification = { id: wf.uuid4(), cause: 'red_grade', dueAt, planned: false, overdueNotified: false };
      await this.record({
        key: `${key}:rectification`, kind: 'rectificationOpened', actorId: null, data: { cause: 'red_grade', reasons: result.reasons, dueAt },
        write: { op: 'rectificationOpen', id: s.rectification.id, cause: 'red_grade', reason: result.reasons.join('; '), dueAt },
      });
    }
  }

  /** Reports come due one period at a time: adds the next period, if the agreement still runs then. */
  scheduleNextReport(): void {
    const s = this.state;
    const ag = s.agreement;
    if (!ag) return;
    const last = Math.max(0, ...s.reports.map((r) => r.period), ...s.submittedPeriods);
    const period = last + 1;
    const { start, dueAt } = reportPeriod(this.rules, ag, period);
    if (start >= agreementEnd(ag)) return;
    s.reports.push({ period, periodStart: start, dueAt, submitted: false, overdue: false });
  }

  /** Ends the project as withdrawn (by the applicant, or by the revision deadline passing). */
  async withdraw(key: string, actorId: string | null, reason: string): Promise<void> {
    const s = this.state;
    const from = s.stage;
    s.stage = 'withdrawn';
    s.revisionDueAt = null;
    await this.record({ key, kind: 'withdrawn', actorId, data: { from, reason } });
  }

  view(): ProjectView {
    const state = this.state;
    const openDeadlines: ProjectView['openDeadlines'] = [];
    const s = state.stage;
    if (s === 'review') {
      for (const seat of state.panel.filter((p) => !p.scored)) openDeadlines.push({ kind: 'review', dueAt: seat.dueAt, who: seat.reviewerId });
    }
    if (s === 'revision' && state.revisionDueAt) openDeadlines.push({ kind: 'revision', dueAt: state.revisionDueAt, who: 'applicant' });
    if (DELIVERING.includes(s)) {
      for (const r of state.reports.filter((x) => !x.submitted)) openDeadlines.push({ kind: 'monthly_report', dueAt: r.dueAt, who: 'applicant' });
    }
    if (s === 'rectification' && state.rectification) openDeadlines.push({ kind: 'rectification', dueAt: state.rectification.dueAt, who: 'applicant' });
    if (s === 'rescoping' && state.rescoping) openDeadlines.push({ kind: 'rescoping', dueAt: state.rescoping.dueAt, who: 'applicant' });
    const pendingActions = this.pending().map(({ action, who }) => ({ action, who }));
    return { ...state, projectId: this.projectId, openDeadlines, pendingActions };
  }

  requireMove(m: Move): void {
    if (!moveAllowed(this.state.stage, m)) throw illegal(this.state.stage, m);
  }

  alertSubject() {
    return { workflowId: `project-${this.projectId}`, projectId: this.projectId, contestId: null };
  }

  /**
   * Registers one move: the validator refuses a wrong stage before anything is written; the handler re-checks
   * under the lock, and if its writes fail, puts the state back as it was, so the workflow never holds a move
   * the database does not.
   */
  register<A extends Actor>(spec: MoveSpec<A>): void {
    const check = spec.check ?? (() => undefined);
    wf.setHandler(
      spec.def,
      (a: A) => {
        const key = `${this.projectId}:${spec.move}:${wf.currentUpdateInfo()?.id ?? wf.uuid4()}`;
        return this.exclusive(async () => {
          this.requireMove(spec.move);
          check(this, a);
          const before = JSON.stringify(this.state);
          try {
            await spec.apply(this, a, key);
          } catch (err) {
            Object.assign(this.state, JSON.parse(before) as ProjectState);
            throw err;
          }
          this.handled++;
          this.changes++;
          return this.view();
        });
      },
      {
        validator: (a: A) => {
          this.requireMove(spec.move);
          check(this, a);
        },
      },
    );
  }
}
