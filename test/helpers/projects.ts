import crypto from 'node:crypto';
import type { Stack } from './stack';
import { creditCode } from './stack';
import { defaultProgrammeRules, type ProgrammeRules } from '../../workflows/rules/programme-rules';
import { startProjectWorkflow, executeProjectUpdate } from '../../api/projects/service';
import { submitDesign, assignPanel, submitReviewScore, decideReview } from '../../workflows/messages';
import type { Proposal } from '../../workflows/rules/proposal';

let seq = 0;

/** Rules for tests: the default rules with second-long durations and a panel of one. */
export function testRules(overrides: Partial<ProgrammeRules> = {}): ProgrammeRules {
  const rules = defaultProgrammeRules();
  rules.review = { ...rules.review, panelSize: 1, reviewerDeadline: 'PT1H', reviewerReminder: 'PT30M', revisionDeadline: 'PT1H' };
  rules.monitoring = { ...rules.monitoring, reportInterval: 'P30D', reportGrace: 'P5D' };
  return { ...rules, ...overrides };
}

/** A named team: `staff` full-time members, the first `certified` of them certified social workers. */
export function teamMembers(staff: number, certified: number) {
  return Array.from({ length: staff }, (_, i) => ({ name: `Staff ${i + 1}`, fullTime: true, certified: i < certified }));
}

export function sampleProposal(amountAskedFen = 10_000_000): Proposal {
  return {
    targetGroups: ['elderly'],
    objectives: [{ description: 'Reduce isolation of elderly people living alone', indicators: [{ name: 'home visits', unit: 'visits', target: 120 }] }],
    milestones: [{ name: 'Volunteer team trained', due: '2027-03-31' }],
    team: { staff: 6, certifiedSocialWorkers: 4, volunteers: 30, lead: 'Li Hua', members: teamMembers(6, 4) },
    budgetLines: [{ item: 'Activities', amountFen: amountAskedFen }],
    amountAskedFen,
    coFundingFen: 0,
  };
}

/** The sample in Chinese (a browser journey fails on Latin words on screen): two budget lines, 10,000 yuan of staff. */
export function chineseProposal(amountAskedFen: number): Proposal {
  const p = sampleProposal(amountAskedFen);
  return {
    ...p,
    objectives: [{ description: '减少独居老人的孤独感', indicators: [{ name: '上门探访', unit: '次', target: 120 }] }],
    milestones: [{ name: '志愿者队伍培训完成', due: '2027-03-31' }],
    team: { ...p.team, lead: '李华', members: (p.team.members ?? []).map((m, i) => ({ ...m, name: `社工${i + 1}` })) },
    budgetLines: [
      { item: '活动经费', amountFen: amountAskedFen - 1_000_000 },
      { item: '人员经费', amountFen: 1_000_000 },
    ],
  };
}

export interface Seeded {
  cityId: string;
  communityId: string;
  communityPath: string;
  organisationId: string;
  programmeId: string;
  rules: ProgrammeRules;
}

const LEVELS = ['city', 'district', 'street', 'community'] as const;

/** A city → district → street → community tree, inserted directly; `names` (a browser journey's Chinese ones) default to "<level> <n>". */
export async function seedRegionTree(stack: Stack, names?: readonly [string, string, string, string]): Promise<{ ids: string[]; path: string }> {
  const n = ++seq;
  const ids = Array.from({ length: 4 }, () => crypto.randomUUID());
  let path = '/';
  for (let i = 0; i < 4; i++) {
    path += `${ids[i]}/`;
    await stack.db('regions').insert({ id: ids[i], parent_id: i ? ids[i - 1] : null, level: LEVELS[i], name: names?.[i] ?? `${LEVELS[i]} ${n}`, path });
  }
  return { ids, path };
}

/** A 4A social-work organisation in a region, inserted directly. */
export async function seedSocialWorkOrganisation(stack: Stack, regionId: string, name?: string): Promise<string> {
  const n = ++seq;
  const [org] = await stack.db('organisations')
    .insert({ name: name ?? `Social work centre ${n}`, kind: 'social_work_organisation', grade: '4A', credit_code: creditCode(900000 + n + Math.floor(Math.random() * 90000)), staff_count: 8, certified_social_worker_count: 5, volunteer_count: 40, region_id: regionId })
    .returning('id');
  return org.id as string;
}

/**
 * A city → district → street → community tree, a 4A social-work organisation in the community and an open programme
 * over the city, inserted directly; `names` gives them the Chinese names a browser journey shows.
 */
export async function seedProgramme(
  stack: Stack,
  rules: ProgrammeRules = testRules(),
  names: { regions?: readonly [string, string, string, string]; organisation?: string; programme?: string } = {},
): Promise<Seeded> {
  const { ids, path } = await seedRegionTree(stack, names.regions);
  const organisationId = await seedSocialWorkOrganisation(stack, ids[3], names.organisation);
  const [programme] = await stack.db('programmes').insert({ name: names.programme ?? `Programme ${++seq}`, region_id: ids[0], rules: JSON.stringify(rules) }).returning('id');
  return { cityId: ids[0], communityId: ids[3], communityPath: path, organisationId, programmeId: programme.id, rules };
}

/** A project row in `design` and its running workflow. */
export async function seedProject(stack: Stack, s: Seeded, opts: { organisationId?: string; title?: string; amountAskedFen?: number; proposal?: Proposal; maxUpdatesPerRun?: number } = {}): Promise<string> {
  const proposal = opts.proposal ?? sampleProposal(opts.amountAskedFen);
  const organisationId = opts.organisationId ?? s.organisationId;
  const [row] = await stack.db('projects')
    .insert({
      programme_id: s.programmeId, organisation_id: organisationId, region_id: s.communityId, region_level: 'community', region_path: s.communityPath,
      title: opts.title ?? `Project ${++seq}`, stage: 'design', draft: JSON.stringify(proposal), amount_asked_fen: proposal.amountAskedFen, target_groups: proposal.targetGroups,
    })
    .returning('id');
  await startProjectWorkflow(stack.deps, { projectId: row.id, programmeId: s.programmeId, organisationId, regionPath: s.communityPath, rules: s.rules, maxUpdatesPerRun: opts.maxUpdatesPerRun });
  return row.id as string;
}

/** Drives a project through design and review to `approved` with the workflow's own updates (panel of one). */
export async function seedApprovedProject(
  stack: Stack,
  s: Seeded,
  reviewerId: string,
  opts: Parameters<typeof seedProject>[2] & { reviewComments?: string; decisionComment?: string } = {},
): Promise<string> {
  const projectId = await seedProject(stack, s, opts);
  await executeProjectUpdate(stack.deps, projectId, submitDesign, { actorId: reviewerId });
  await executeProjectUpdate(stack.deps, projectId, assignPanel, { actorId: reviewerId, reviewerIds: [reviewerId] });
  const scores = Object.fromEntries(s.rules.review.criteria.map((c) => [c.key, c.maxScore]));
  await executeProjectUpdate(stack.deps, projectId, submitReviewScore, { actorId: reviewerId, scores, comments: opts.reviewComments ?? 'good' });
  await executeProjectUpdate(stack.deps, projectId, decideReview, { actorId: reviewerId, decision: 'approve', comment: opts.decisionComment ?? 'approved' });
  return projectId;
}
