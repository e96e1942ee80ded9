/** Internal consistency of a proposal, independent of any programme's eligibility rules. */
import { isIsoDate } from './duration';
import type { TargetGroup } from './programme-rules';
import { formatYuan, isNonNegativeInteger, jsonPointer, violation, type RuleViolation } from './violations';

export interface ProposalIndicator { name: string; unit: string; target: number }
export interface ProposalObjective { description: string; indicators: ProposalIndicator[] }
export interface ProposalMilestone { name: string; /** YYYY-MM-DD */ due: string }
/** A named member of the team that runs the service. */
export interface TeamMember { name: string; fullTime: boolean; certified: boolean }
/** The team that runs the service: its counts, and (what the team rule counts) its named staff. */
export interface ProposalTeam { staff: number; certifiedSocialWorkers: number; volunteers: number; lead: string; members?: TeamMember[] }
export interface BudgetLine { item: string; amountFen: number }

export interface Proposal {
  targetGroups: TargetGroup[];
  objectives: ProposalObjective[];
  milestones: ProposalMilestone[];
  team: ProposalTeam;
  budgetLines: BudgetLine[];
  amountAskedFen: number;
  coFundingFen: number;
}

export function checkProposal(p: Proposal): RuleViolation[] {
  const out: RuleViolation[] = [];
  if (p.targetGroups.length === 0) out.push(violation('/targetGroups', 'target-groups-required', 'the proposal names no target group; it must serve at least one'));

  p.objectives.forEach((o, i) => o.indicators.forEach((ind, j) => {
    if (!Number.isFinite(ind.target) || ind.target < 0) {
      out.push(violation(jsonPointer('objectives', i, 'indicators', j, 'target'), 'indicator-target', `indicator "${ind.name}" has target ${ind.target}; targets must be 0 or more`));
    }
  }));
  // Reviewers need something measurable to hold the project to.
  if (!p.objectives.some((o) => o.indicators.some((ind) => ind.target > 0))) {
    out.push(violation('/objectives', 'measurable-objective', 'the proposal needs at least one objective with an indicator whose target is above 0'));
  }

  p.milestones.forEach((m, i) => {
    if (!isIsoDate(m.due)) out.push(violation(jsonPointer('milestones', i, 'due'), 'milestone-date', `milestone "${m.name}" is due "${m.due}", which is not a calendar date YYYY-MM-DD`));
  });

  for (const k of ['staff', 'certifiedSocialWorkers', 'volunteers'] as const) {
    if (!isNonNegativeInteger(p.team[k])) out.push(violation(jsonPointer('team', k), 'team-count', `team ${k} is ${p.team[k]}; it must be a whole number of 0 or more`));
  }
  // Certified social workers are counted among the staff (6430: 6 staff, of whom 4 certified).
  if (p.team.certifiedSocialWorkers > p.team.staff) {
    out.push(violation('/team/certifiedSocialWorkers', 'certified-within-staff', `the team lists ${p.team.certifiedSocialWorkers} certified social workers but only ${p.team.staff} staff`));
  }
  // Named staff and counts must tell the same story.
  const members = p.team.members;
  if (members) {
    const certified = members.filter((m) => m.certified).length;
    if (members.length !== p.team.staff || certified !== p.team.certifiedSocialWorkers) {
      out.push(violation('/team/members', 'team-members-count', `the team names ${members.length} staff of whom ${certified} certified social workers, but counts ${p.team.staff} staff and ${p.team.certifiedSocialWorkers} certified`));
    }
  }
  if (!p.team.lead.trim()) out.push(violation('/team/lead', 'team-lead-required', 'the team has no lead'));

  const money: [string, number][] = [
    ['/amountAskedFen', p.amountAskedFen],
    ['/coFundingFen', p.coFundingFen],
    ...p.budgetLines.map((l, i): [string, number] => [jsonPointer('budgetLines', i, 'amountFen'), l.amountFen]),
  ];
  const badMoney = money.filter(([, v]) => !isNonNegativeInteger(v));
  for (const [field, v] of badMoney) out.push(violation(field, 'money-non-negative-integer', `${v} is not a whole number of fen, 0 or more`));
  if (p.budgetLines.length === 0) {
    out.push(violation('/budgetLines', 'budget-lines-required', 'the proposal has no budget lines'));
  } else if (badMoney.length === 0) {
    // Sums are only meaningful once every figure is valid fen.
    const lines = p.budgetLines.reduce((s, l) => s + l.amountFen, 0);
    const total = p.amountAskedFen + p.coFundingFen;
    if (lines !== total) {
      out.push(violation('/budgetLines', 'budget-lines-sum',
        `budget lines add up to ${formatYuan(lines)}; they must equal the total project budget of ${formatYuan(total)} (amount asked plus co-funding)`));
    }
  }
  return out;
}
