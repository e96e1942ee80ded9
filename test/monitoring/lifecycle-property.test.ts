// Issue 10 §1, as a property: whatever facts and moves a project in delivery meets (spending, complaints, visits good
// and bad, reports, rectification plans and completions, evaluations, ordered rectifications), from every state it
// reaches some move still leads to an end: `closed` by the ordinary moves, or `terminated`. Runs on the real stack.
import fc from 'fast-check';
import type { Response } from 'supertest';
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { as } from '../helpers/api';
import { seedProgramme, type Seeded } from '../helpers/projects';
import { createCast, createProject, driveTo, expectStatus, indicatorScores, seedNeed, today, type Cast } from '../helpers/lifecycle';
import { isTerminal, moveAllowed, type Stage } from '../../workflows/stages';

let stack: Stack;
let s: Seeded;
let cast: Cast;
let supervisor: TestUser;
let midTermEvaluator: TestUser;
let needId: string;

beforeAll(async () => {
  stack = await startStack();
  s = await seedProgramme(stack);
  cast = await createCast(stack, s);
  [supervisor, midTermEvaluator] = await Promise.all([createUser(stack, ['supervisor']), createUser(stack, ['evaluator'])]);
  needId = await seedNeed(stack, s.communityId);
});
afterAll(async () => {
  await stack.close();
});

type Step =
  | { kind: 'spend'; fen: number }
  | { kind: 'complaint' }
  | { kind: 'visit'; score: number }
  | { kind: 'report'; achieved: number }
  | { kind: 'plan'; replan: boolean }
  | { kind: 'complete' }
  | { kind: 'midTerm' }
  | { kind: 'final'; score: number }
  | { kind: 'orderRectification' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('spend' as const), fen: fc.integer({ min: 1, max: 3_000_000 }) }),
  fc.record({ kind: fc.constant('complaint' as const) }),
  fc.record({ kind: fc.constant('visit' as const), score: fc.integer({ min: 20, max: 100 }) }),
  fc.record({ kind: fc.constant('report' as const), achieved: fc.integer({ min: 0, max: 120 }) }),
  fc.record({ kind: fc.constant('plan' as const), replan: fc.boolean() }),
  fc.record({ kind: fc.constant('complete' as const) }),
  fc.record({ kind: fc.constant('midTerm' as const) }),
  fc.record({ kind: fc.constant('final' as const), score: fc.integer({ min: 30, max: 100 }) }),
  fc.record({ kind: fc.constant('orderRectification' as const) }),
);

interface Live { stage: Stage; rectification: { planned: boolean } | null; reports: { period: number }[]; evaluations: { final: { submitted: boolean } | null } }

async function live(id: string): Promise<Live> {
  const body = expectStatus(await as(stack, cast.officer).get(`/api/v1/projects/${id}`), 200).body;
  return body.live ?? { stage: body.stage, rectification: null, reports: [], evaluations: { final: null } };
}

const spentSoFar = async (id: string) => Number((await stack.db('spending_entries').where({ project_id: id }).sum({ n: 'amount_fen' }).first())?.n ?? 0);

/** Sends one step; a refusal (409 naming the stage, 422 naming a rule) is a possible answer, a server error never. */
async function apply(id: string, st: Step): Promise<Response> {
  const app = as(stack, cast.applicant);
  const off = as(stack, cast.officer);
  switch (st.kind) {
    case 'spend':
      return app.post(`/api/v1/projects/${id}/spending`, { budgetItem: 'Activities', amountFen: st.fen, spentOn: today() });
    case 'complaint':
      return off.post(`/api/v1/projects/${id}/complaints`, { receivedOn: today(), description: 'a resident complained' });
    case 'visit':
      return as(stack, supervisor).post(`/api/v1/projects/${id}/supervision-visits`, { visitedOn: today(), scores: Object.fromEntries(s.rules.monitoring.supervisionDimensions.map((d) => [d.key, st.score])) });
    case 'report': {
      const period = (await live(id)).reports[0]?.period ?? 1;
      return app.post(`/api/v1/projects/${id}/reports`, { period, summary: 'this month', indicatorProgress: [{ name: 'home visits', achieved: st.achieved }] });
    }
    case 'plan':
      return app.post(`/api/v1/projects/${id}/rectification/plan`, {
        plan: 'what we will change',
        ...(st.replan ? { spendingPlan: [{ on: today(), cumulativeFen: Math.min(5_000_000, await spentSoFar(id)) }], indicatorTargets: [{ name: 'home visits', target: 60 }] } : {}),
      });
    case 'complete':
      return off.post(`/api/v1/projects/${id}/rectification/complete`, {});
    case 'midTerm':
      return off.post(`/api/v1/projects/${id}/evaluations`, { kind: 'mid_term', evaluatorId: midTermEvaluator.id });
    case 'final': {
      const assigned = await off.post(`/api/v1/projects/${id}/evaluations`, { kind: 'final', evaluatorId: cast.evaluator.id });
      if (assigned.status !== 200) return assigned;
      return as(stack, cast.evaluator).put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(s.rules, st.score), comments: 'scored' });
    }
    case 'orderRectification':
      return off.post(`/api/v1/projects/${id}/rectification`, { reason: 'not good enough' });
  }
}

/** The ordinary way out from wherever the project is: plan and complete a rectification, evaluate, close. */
async function driveToClosed(id: string): Promise<Stage[]> {
  const app = as(stack, cast.applicant);
  const off = as(stack, cast.officer);
  const path: Stage[] = [];
  for (let i = 0; i < 10; i++) {
    const state = await live(id);
    path.push(state.stage);
    if (state.stage === 'closed') return path;
    if (state.stage === 'rectification') {
      if (!state.rectification?.planned) {
        const spent = Math.min(5_000_000, await spentSoFar(id));
        expectStatus(await app.post(`/api/v1/projects/${id}/rectification/plan`, { plan: 'the way out', spendingPlan: [{ on: today(), cumulativeFen: spent }] }), 200);
      }
      expectStatus(await off.post(`/api/v1/projects/${id}/rectification/complete`, { note: 'accepted' }), 200);
    } else if (state.stage === 'delivery') {
      expectStatus(await off.post(`/api/v1/projects/${id}/evaluations`, { kind: 'final', evaluatorId: cast.evaluator.id }), 200);
    } else if (state.stage === 'evaluation') {
      if (!state.evaluations.final?.submitted) expectStatus(await as(stack, cast.evaluator).put(`/api/v1/projects/${id}/evaluations/final`, { scores: indicatorScores(s.rules, 85), comments: 'final' }), 200);
      expectStatus(await off.post(`/api/v1/projects/${id}/close`, { finalReport: 'done' }), 200);
    } else {
      throw new Error(`no ordinary way on from ${state.stage}`);
    }
  }
  throw new Error(`not closed after ${path.join(' → ')}`);
}

test('from every state random facts and moves reach, the project can still be closed or terminated', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), fc.constantFrom('close' as const, 'terminate' as const), async (steps, ending) => {
      const id = await createProject(stack, cast.applicant, s, needId);
      await driveTo(stack, cast, s.rules, id, 'delivery');
      expectStatus(await as(stack, cast.officer).post(`/api/v1/projects/${id}/supervisor`, { supervisorId: supervisor.id }), 200);
      for (const st of steps) {
        const res = await apply(id, st);
        expect([200, 201, 409, 422]).toContain(res.status);
        const { stage } = await live(id);
        // Never an end the workflow did not choose, and from each state the termination is open.
        expect(['delivery', 'rectification', 'evaluation']).toContain(stage);
        expect(moveAllowed(stage, 'terminateProject')).toBe(true);
      }
      if (ending === 'terminate') {
        const res = expectStatus(await as(stack, cast.officer).post(`/api/v1/projects/${id}/termination`, { reason: 'ended by the property test' }), 200);
        expect(res.body.stage).toBe('terminated');
        expect(await stack.db('tasks').where({ project_id: id, status: 'open' })).toEqual([]);
      } else {
        expect((await driveToClosed(id)).at(-1)).toBe('closed');
      }
      const { stage } = await stack.db('projects').where({ id }).first('stage');
      expect(isTerminal(stage)).toBe(true);
    }),
    { numRuns: 15, seed: 20261210, endOnFailure: true },
  );
});
