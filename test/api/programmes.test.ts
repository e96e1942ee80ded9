import crypto from 'node:crypto';
import request from 'supertest';
import { startStack, createUser, creditCode, type Stack, type TestUser } from '../helpers/stack';
import { defaultProgrammeRules, type ProgrammeRules } from '../../workflows/rules/programme-rules';

let stack: Stack;
let city: { id: string; path: string };
let district: { id: string; path: string };
let otherDistrict: { id: string; path: string };
let community: { id: string; path: string };
let cityOfficer: TestUser;
let districtOfficer: TestUser;
let applicant: TestUser;

async function region(level: 'city' | 'district' | 'street' | 'community', parent?: { id: string; path: string }) {
  const id = crypto.randomUUID();
  const path = `${parent?.path ?? '/'}${id}/`;
  await stack.db('regions').insert({ id, parent_id: parent?.id ?? null, level, name: `${level} ${id.slice(0, 6)}`, path });
  return { id, path };
}

function rulesWith(change: (r: ProgrammeRules) => void): ProgrammeRules {
  const r = defaultProgrammeRules();
  change(r);
  return r;
}

const post = (user: TestUser, body: unknown) => request(stack.app).post('/api/v1/programmes').set('Authorization', `Bearer ${user.token}`).send(body as object);
const patch = (user: TestUser, id: string, body: unknown) => request(stack.app).patch(`/api/v1/programmes/${id}`).set('Authorization', `Bearer ${user.token}`).send(body as object);
const get = (user: TestUser, url: string) => request(stack.app).get(url).set('Authorization', `Bearer ${user.token}`);
const count = async (table: string, where: Record<string, unknown> = {}) => Number((await stack.db(table).where(where).count<{ n: string }[]>('* as n'))[0].n);

beforeAll(async () => {
  stack = await startStack({ worker: false });
  city = await region('city');
  district = await region('district', city);
  otherDistrict = await region('district', city);
  const street = await region('street', district);
  community = await region('community', street);
  cityOfficer = await createUser(stack, ['officer'], { regionId: city.id });
  districtOfficer = await createUser(stack, ['officer'], { regionId: district.id });
  applicant = await createUser(stack, ['applicant']);
});
afterAll(async () => {
  await stack.close();
});

/** Refused requests must leave neither a programme nor an audit entry behind. */
async function expectNothingWritten(run: () => Promise<request.Response>): Promise<request.Response> {
  const before = [await count('programmes'), await count('audit_log', { object_type: 'programme' })];
  const res = await run();
  expect([await count('programmes'), await count('audit_log', { object_type: 'programme' })]).toEqual(before);
  return res;
}

describe('creating a programme', () => {
  test('when an officer creates one at a community in scope with the default rules, it is stored open with the rules and audited', async () => {
    const rules = (await get(applicant, '/api/v1/programme-rules/defaults')).body as ProgrammeRules;
    expect(rules).toEqual(defaultProgrammeRules());
    const res = await post(districtOfficer, { name: '2027 elderly care call', regionId: community.id, description: '首批申报', rules });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: '2027 elderly care call', regionId: community.id, description: '首批申报', status: 'open', createdBy: districtOfficer.id, rules });
    const row = await stack.db('programmes').where({ id: res.body.id }).first();
    expect(row).toMatchObject({ name: '2027 elderly care call', region_id: community.id, status: 'open', created_by: districtOfficer.id, rules });
    const audit = await stack.db('audit_log').where({ object_type: 'programme', object_id: res.body.id });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'create', actor_id: districtOfficer.id, after: res.body });
  });

  test('when an officer without a region scope creates one at a city, it is accepted', async () => {
    const unlimited = await createUser(stack, ['officer']);
    const res = await post(unlimited, { name: 'City call', regionId: city.id, rules: defaultProgrammeRules() });
    expect(res.status).toBe(201);
    expect(await count('programmes', { id: res.body.id, region_id: city.id })).toBe(1);
  });

  test('when criterion weights sum to 90, it is refused 422 naming /body/rules/review/criteria and weights-sum-100, and nothing is written', async () => {
    const res = await expectNothingWritten(() => post(cityOfficer, { name: 'Bad weights', regionId: city.id, rules: rulesWith((r) => { r.review.criteria[0].weight = 15; }) }).set('Accept-Language', 'en'));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: '/body/rules/review/criteria', rule: 'weights-sum-100', message: 'criterion weights sum to 90; they must sum to 100' }]);
  });

  test('when the rules name a time zone the server does not know, it is refused 422 naming /body/rules/timeZone; rules without one get Asia/Shanghai', async () => {
    const res = await expectNothingWritten(() => post(cityOfficer, { name: 'Bad zone', regionId: city.id, rules: rulesWith((r) => { r.timeZone = 'Mars/Olympus'; }) }).set('Accept-Language', 'en'));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: '/body/rules/timeZone', rule: 'time-zone', message: '"Mars/Olympus" is not a known time zone (an IANA name such as Asia/Shanghai)' }]);
    const auckland = await post(cityOfficer, { name: 'Auckland call', regionId: city.id, rules: rulesWith((r) => { r.timeZone = 'Pacific/Auckland'; }) });
    expect([auckland.status, auckland.body.rules.timeZone]).toEqual([201, 'Pacific/Auckland']);
    const zoneless = await post(cityOfficer, { name: 'Zoneless call', regionId: city.id, rules: rulesWith((r) => { delete r.timeZone; }) });
    expect([zoneless.status, zoneless.body.rules.timeZone]).toEqual([201, 'Asia/Shanghai']);
  });

  test('when grade thresholds are out of order, it is refused 422 naming /body/rules/evaluation/thresholds, and nothing is written', async () => {
    const res = await expectNothingWritten(() => post(cityOfficer, {
      name: 'Bad thresholds', regionId: city.id, rules: rulesWith((r) => { r.evaluation.thresholds = { excellent: 80, good: 90, pass: 60 }; }),
    }));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/rules/evaluation/thresholds', rule: 'grade-thresholds-order' })]);
  });

  test('when several rules are broken at once, every violation is listed', async () => {
    const res = await expectNothingWritten(() => post(cityOfficer, {
      name: 'Many faults', regionId: city.id,
      rules: rulesWith((r) => {
        r.review.reviewerReminder = 'P10D'; // after the P7D deadline
        r.monitoring.supervisionDimensions[0].weight = 30;
        r.evaluation.failAction = 'clawback';
        r.evaluation.subsidy.fail = 10;
      }),
    }));
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { field: string; rule: string }) => [e.field, e.rule])).toEqual([
      ['/body/rules/review/reviewerReminder', 'reminder-before-deadline'],
      ['/body/rules/monitoring/supervisionDimensions', 'weights-sum-100'],
      ['/body/rules/evaluation/subsidy/fail', 'clawback-fail-share'],
    ]);
  });

  test('when a duration is not ISO 8601, the schema refuses it 400 naming the field, and nothing is written', async () => {
    const res = await expectNothingWritten(() => post(cityOfficer, { name: 'Bad duration', regionId: city.id, rules: rulesWith((r) => { r.review.reviewerDeadline = '7 days'; }) }));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/rules/review/reviewerDeadline', rule: 'format' })]);
  });

  test('when the budget cap is negative, the schema refuses it 400 naming the field, and nothing is written', async () => {
    const res = await expectNothingWritten(() => post(cityOfficer, { name: 'Bad cap', regionId: city.id, rules: rulesWith((r) => { r.eligibility.budgetCapFen = -1; }) }));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/rules/eligibility/budgetCapFen', rule: 'minimum' })]);
  });

  test('when the rules carry a field the type does not have, or an unknown target group, the schema refuses them 400', async () => {
    const rules = rulesWith((r) => { r.eligibility.requiredTargetGroups = ['pets' as never]; }) as unknown as Record<string, Record<string, unknown>>;
    rules.review.quorum = 3;
    const res = await expectNothingWritten(() => post(cityOfficer, { name: 'Extra', regionId: city.id, rules }));
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string; rule: string }) => [e.field, e.rule])).toEqual(expect.arrayContaining([
      ['/body/rules/eligibility/requiredTargetGroups/0', 'enum'],
      ['/body/rules/review/quorum', 'additionalProperties'],
    ]));
  });

  test('when an officer creates one at a region outside their scope, the region is reported not found (404), and nothing is written', async () => {
    const res = await expectNothingWritten(() => post(districtOfficer, { name: 'Elsewhere', regionId: otherDistrict.id, rules: defaultProgrammeRules() }));
    expect(res.status).toBe(404);
    expect(res.body.detail).toBe('没有这个区域。');
  });

  test('when an officer names a region above their scope (the city), it is 404 too', async () => {
    const res = await expectNothingWritten(() => post(districtOfficer, { name: 'Above', regionId: city.id, rules: defaultProgrammeRules() }));
    expect(res.status).toBe(404);
  });

  test('when a non-officer creates one, it is refused 403 and nothing is written', async () => {
    const res = await expectNothingWritten(() => post(applicant, { name: 'Mine', regionId: city.id, rules: defaultProgrammeRules() }));
    expect(res.status).toBe(403);
  });

  test('when the name holds SQL and script text, it is stored and returned verbatim', async () => {
    const name = `'); DROP TABLE programmes; -- <script>alert(1)</script>`;
    const res = await post(cityOfficer, { name, regionId: city.id, description: 'x" OR 1=1 --', rules: defaultProgrammeRules() });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe(name);
    expect(await stack.db('programmes').where({ id: res.body.id }).first('name', 'description')).toEqual({ name, description: 'x" OR 1=1 --' });
  });
});

describe('reading programmes', () => {
  test('when listed by a region, it returns programmes at that region and below, newest first, paged, and honours status', async () => {
    const made: string[] = [];
    for (const [n, at] of [[1, district], [2, community], [3, otherDistrict]] as const) {
      const res = await post(cityOfficer, { name: `Listed ${n}`, regionId: at.id, rules: defaultProgrammeRules() });
      made.push(res.body.id);
    }
    await patch(cityOfficer, made[0], { status: 'closed' });
    const first = await get(applicant, `/api/v1/programmes?regionId=${district.id}&limit=1`);
    expect(first.status).toBe(200);
    const inDistrict = (await stack.db('programmes').join('regions', 'regions.id', 'programmes.region_id').where('regions.path', 'like', `${district.path}%`).count<{ n: string }[]>('* as n'))[0].n;
    const ids: string[] = first.body.items.map((p: { id: string }) => p.id);
    let cursor = first.body.nextCursor as string | null;
    while (cursor) {
      const next = await get(applicant, `/api/v1/programmes?regionId=${district.id}&limit=1&cursor=${cursor}`);
      ids.push(...next.body.items.map((p: { id: string }) => p.id));
      cursor = next.body.nextCursor;
    }
    expect(ids).toHaveLength(Number(inDistrict));
    expect(ids.slice(0, 2)).toEqual([made[1], made[0]]);
    expect(ids).not.toContain(made[2]);
    const closed = await get(applicant, `/api/v1/programmes?regionId=${district.id}&status=closed`);
    expect(closed.body.items.map((p: { id: string }) => p.id)).toEqual([made[0]]);
  });

  test('when one is fetched by id, it comes with its rules; an unknown id is 404', async () => {
    const created = await post(cityOfficer, { name: 'Fetched', regionId: city.id, rules: defaultProgrammeRules() });
    const res = await get(applicant, `/api/v1/programmes/${created.body.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created.body);
    expect((await get(applicant, `/api/v1/programmes/${crypto.randomUUID()}`)).status).toBe(404);
  });
});

describe('changing a programme', () => {
  async function programmeWithProject(): Promise<string> {
    const created = await post(cityOfficer, { name: 'With project', regionId: community.id, rules: defaultProgrammeRules() });
    const [org] = await stack.db('organisations')
      .insert({ name: 'Centre', kind: 'social_work_organisation', grade: '4A', credit_code: creditCode(700000 + Math.floor(Math.random() * 99999)) })
      .returning('id');
    await stack.db('projects').insert({
      programme_id: created.body.id, organisation_id: org.id, region_id: community.id, region_level: 'community', region_path: community.path,
      title: 'Elder canteen', stage: 'design', draft: JSON.stringify({}),
    });
    return created.body.id as string;
  }

  test('when an officer in scope renames and closes one, it is stored and the before and after are audited', async () => {
    const created = await post(districtOfficer, { name: 'Old name', regionId: community.id, rules: defaultProgrammeRules() });
    const res = await patch(districtOfficer, created.body.id, { name: 'New name', status: 'closed', description: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'New name', status: 'closed', description: null });
    expect(await stack.db('programmes').where({ id: created.body.id }).first('name', 'status')).toEqual({ name: 'New name', status: 'closed' });
    const audit = await stack.db('audit_log').where({ object_type: 'programme', object_id: created.body.id, action: 'update' }).first();
    expect(audit.before).toMatchObject({ name: 'Old name', status: 'open' });
    expect(audit.after).toMatchObject({ name: 'New name', status: 'closed' });
  });

  test('when the programme has no project yet, its rules change', async () => {
    const created = await post(cityOfficer, { name: 'Tunable', regionId: city.id, rules: defaultProgrammeRules() });
    const rules = rulesWith((r) => { r.review.panelSize = 3; });
    const res = await patch(cityOfficer, created.body.id, { rules });
    expect(res.status).toBe(200);
    expect((await stack.db('programmes').where({ id: created.body.id }).first()).rules.review.panelSize).toBe(3);
  });

  test('when the programme already has a project, a rules change is refused 409 and the rules stay', async () => {
    const id = await programmeWithProject();
    const res = await patch(cityOfficer, id, { rules: rulesWith((r) => { r.review.panelSize = 3; }) });
    expect(res.status).toBe(409);
    expect(res.body.projectCount).toBe(1);
    expect((await stack.db('programmes').where({ id }).first()).rules).toEqual(defaultProgrammeRules());
    expect(await count('audit_log', { object_type: 'programme', object_id: id, action: 'update' })).toBe(0);
  });

  test('when the programme has a project and the same rules are sent back with a new name, the name changes', async () => {
    const id = await programmeWithProject();
    const res = await patch(cityOfficer, id, { name: 'Renamed', rules: defaultProgrammeRules() });
    expect(res.status).toBe(200);
    expect((await stack.db('programmes').where({ id }).first()).name).toBe('Renamed');
  });

  test('when the new rules are inconsistent, it is refused 422 and nothing changes', async () => {
    const created = await post(cityOfficer, { name: 'Stable', regionId: city.id, rules: defaultProgrammeRules() });
    const res = await patch(cityOfficer, created.body.id, { name: 'Changed', rules: rulesWith((r) => { r.evaluation.indicators.pop(); }) });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/rules/evaluation/indicators', rule: 'weights-sum-100' })]);
    expect((await stack.db('programmes').where({ id: created.body.id }).first()).name).toBe('Stable');
  });

  test('when an officer outside the programme region changes it, it is 404 and nothing changes', async () => {
    const created = await post(cityOfficer, { name: 'Not yours', regionId: otherDistrict.id, rules: defaultProgrammeRules() });
    const res = await patch(districtOfficer, created.body.id, { status: 'closed' });
    expect(res.status).toBe(404);
    expect((await stack.db('programmes').where({ id: created.body.id }).first()).status).toBe('open');
  });

  test('when a non-officer changes one, it is 403', async () => {
    const created = await post(cityOfficer, { name: 'Guarded', regionId: city.id, rules: defaultProgrammeRules() });
    expect((await patch(applicant, created.body.id, { status: 'closed' })).status).toBe(403);
    expect((await stack.db('programmes').where({ id: created.body.id }).first()).status).toBe('open');
  });
});
