import crypto from 'node:crypto';
import request from 'supertest';
import { startStack, createUser, creditCode, type Stack, type TestUser } from '../helpers/stack';
import { defaultProgrammeRules } from '../../workflows/rules/programme-rules';

let stack: Stack;
type Place = { id: string; path: string };
let city: Place;
let district: Place;
let street: Place;
let community: Place;
let otherCommunity: Place;
let officer: TestUser;
let outsider: TestUser;
let applicant: TestUser;

async function region(level: 'city' | 'district' | 'street' | 'community', parent?: Place): Promise<Place> {
  const id = crypto.randomUUID();
  const path = `${parent?.path ?? '/'}${id}/`;
  await stack.db('regions').insert({ id, parent_id: parent?.id ?? null, level, name: `${level} ${id.slice(0, 6)}`, path });
  return { id, path };
}

const as = (user: TestUser) => ({
  get: (url: string) => request(stack.app).get(url).set('Authorization', `Bearer ${user.token}`),
  post: (url: string, body: object) => request(stack.app).post(url).set('Authorization', `Bearer ${user.token}`).send(body),
});
const count = async (table: string, where: Record<string, unknown> = {}) => Number((await stack.db(table).where(where).count<{ n: string }[]>('* as n'))[0].n);

type Urgency = 'low' | 'medium' | 'high' | 'critical';
const need = (over: Partial<{ category: string; targetGroup: string; peopleAffected: number; urgency: Urgency; source: string; description: string }> = {}) => ({
  category: 'home care',
  targetGroup: 'elderly',
  peopleAffected: 40,
  urgency: 'medium' as Urgency,
  source: 'grid_worker',
  description: 'Elderly people living alone need regular visits',
  ...over,
});

/** A fresh community under the street, so each test reads a demand list of its own. */
async function surveyedCommunity(needs: ReturnType<typeof need>[], resources: object[] = []) {
  const place = await region('community', street);
  const res = await as(officer).post('/api/v1/surveys', { regionId: place.id, title: 'Door-to-door survey', conductedOn: '2026-10-15', needs, resources });
  expect(res.status).toBe(201);
  return { place, survey: res.body as { id: string; needs: { id: string; urgency: Urgency; peopleAffected: number }[] } };
}

beforeAll(async () => {
  stack = await startStack({ worker: false });
  city = await region('city');
  district = await region('district', city);
  street = await region('street', district);
  community = await region('community', street);
  const otherDistrict = await region('district', city);
  otherCommunity = await region('community', await region('street', otherDistrict));
  officer = await createUser(stack, ['officer'], { regionId: district.id });
  outsider = await createUser(stack, ['officer'], { regionId: otherDistrict.id });
  applicant = await createUser(stack, ['applicant']);
});
afterAll(async () => {
  await stack.close();
});

describe('filing a survey', () => {
  test('when a survey is filed with its needs and resources in one call, all are stored together, linked and audited', async () => {
    const res = await as(officer).post('/api/v1/surveys', {
      regionId: community.id,
      title: '2026 autumn demand research',
      conductedOn: '2026-10-15',
      needs: [need({ urgency: 'high', source: 'resident_request' }), need({ category: 'after-school care', targetGroup: 'children', peopleAffected: 120, source: 'social_worker_assessment' })],
      resources: [{ unit: 'Community health station', kind: 'services', offer: 'Monthly blood pressure checks', contact: '0573-1234567' }, { unit: 'Neighbourhood hall', kind: 'venue', offer: 'Hall on weekday afternoons' }],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ regionId: community.id, title: '2026 autumn demand research', conductedOn: '2026-10-15', createdBy: officer.id });
    expect(res.body.needs).toHaveLength(2);
    expect(res.body.resources).toHaveLength(2);
    expect(res.body.needs[0]).toMatchObject({ surveyId: res.body.id, regionId: community.id, urgency: 'high', source: 'resident_request' });
    expect(res.body.resources[1]).toMatchObject({ surveyId: res.body.id, regionId: community.id, kind: 'venue', contact: null });

    const row = await stack.db('surveys').where({ id: res.body.id }).first();
    expect(row).toMatchObject({ region_id: community.id, title: '2026 autumn demand research', created_by: officer.id });
    expect(await count('needs', { survey_id: res.body.id, region_id: community.id })).toBe(2);
    expect(await count('resources', { survey_id: res.body.id, region_id: community.id })).toBe(2);
    const audited = await stack.db('audit_log').whereIn('object_id', [res.body.id, ...res.body.needs.map((n: { id: string }) => n.id), ...res.body.resources.map((r: { id: string }) => r.id)]);
    expect(audited.map((a) => a.object_type).sort()).toEqual(['need', 'need', 'resource', 'resource', 'survey']);

    const fetched = await as(applicant).get(`/api/v1/surveys/${res.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.conductedOn).toBe('2026-10-15');
    expect(fetched.body.needs.map((n: { urgency: string }) => n.urgency)).toEqual(['high', 'medium']);
    expect(fetched.body.resources.map((r: { kind: string }) => r.kind)).toEqual(['services', 'venue']);
  });

  test('when a survey names a district, it is refused 422 naming /body/regionId, and nothing is written', async () => {
    const before = [await count('surveys'), await count('needs')];
    const res = await as(officer).post('/api/v1/surveys', { regionId: district.id, title: 'Too wide', conductedOn: '2026-10-15', needs: [need()] });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/regionId', rule: 'community-level' })]);
    expect([await count('surveys'), await count('needs')]).toEqual(before);
  });

  test('when one of its needs is invalid, the whole survey is refused 400 naming that need, and nothing is written', async () => {
    const before = await count('surveys');
    const res = await as(officer).post('/api/v1/surveys', { regionId: community.id, title: 'Half good', conductedOn: '2026-10-15', needs: [need(), need({ peopleAffected: 0 })] });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/needs/1/peopleAffected', rule: 'minimum' })]);
    expect(await count('surveys')).toBe(before);
  });

  test('when an officer files a survey outside their scope, the region is not found (404)', async () => {
    const res = await as(outsider).post('/api/v1/surveys', { regionId: community.id, title: 'Not mine', conductedOn: '2026-10-15' });
    expect(res.status).toBe(404);
    expect(await count('surveys', { title: 'Not mine' })).toBe(0);
  });

  test('when a non-officer files a survey, it is refused 403', async () => {
    const res = await as(applicant).post('/api/v1/surveys', { regionId: community.id, title: 'Applicant survey', conductedOn: '2026-10-15' });
    expect(res.status).toBe(403);
    expect(await count('surveys', { title: 'Applicant survey' })).toBe(0);
  });

  test('when a need is added to a filed survey, it joins the survey and its community', async () => {
    const { place, survey } = await surveyedCommunity([]);
    const res = await as(officer).post(`/api/v1/surveys/${survey.id}/needs`, need({ urgency: 'critical' }));
    expect(res.status).toBe(201);
    expect(await stack.db('needs').where({ id: res.body.id }).first()).toMatchObject({ survey_id: survey.id, region_id: place.id, urgency: 'critical', urgency_rank: 4 });
    expect(await count('audit_log', { object_type: 'need', object_id: res.body.id })).toBe(1);
    expect((await as(outsider).post(`/api/v1/surveys/${survey.id}/needs`, need())).status).toBe(404);
    expect((await as(outsider).get(`/api/v1/surveys/${survey.id}`)).status).toBe(404);
  });

  test('when a resource is added to a street, it appears on the resource list of the street and its district, not of a community', async () => {
    const res = await as(officer).post(`/api/v1/regions/${street.id}/resources`, { unit: 'Street office', kind: 'funds', offer: '20,000 yuan a year' });
    expect(res.status).toBe(201);
    expect(await stack.db('resources').where({ id: res.body.id }).first()).toMatchObject({ region_id: street.id, survey_id: null, kind: 'funds' });
    const ids = async (at: Place) => (await as(applicant).get(`/api/v1/regions/${at.id}/resource-list?kind=funds&limit=100`)).body.items.map((r: { id: string }) => r.id);
    expect(await ids(district)).toContain(res.body.id);
    expect(await ids(community)).not.toContain(res.body.id);
    expect((await as(outsider).post(`/api/v1/regions/${street.id}/resources`, { unit: 'X', kind: 'goods', offer: 'Y' })).status).toBe(404);
  });

  test('when SQL and script text are written into survey, need and resource fields, they are stored and returned verbatim', async () => {
    const sql = `'); DROP TABLE needs; --`;
    const script = '<script>alert("x")</script>';
    const res = await as(officer).post('/api/v1/surveys', {
      regionId: community.id, title: script, conductedOn: '2026-10-15',
      needs: [need({ category: sql, description: script })], resources: [{ unit: sql, kind: 'goods', offer: script, contact: `1' OR '1'='1` }],
    });
    expect(res.status).toBe(201);
    expect(res.body.title).toBe(script);
    expect(await stack.db('surveys').where({ id: res.body.id }).first('title')).toEqual({ title: script });
    expect(await stack.db('needs').where({ survey_id: res.body.id }).first('category', 'description')).toEqual({ category: sql, description: script });
    expect(await stack.db('resources').where({ survey_id: res.body.id }).first('unit', 'offer', 'contact')).toEqual({ unit: sql, offer: script, contact: `1' OR '1'='1` });
    expect((await as(applicant).get(`/api/v1/surveys/${res.body.id}`)).body.needs[0]).toMatchObject({ category: sql, description: script });
  });
});

describe('the demand list', () => {
  test('when read, it lists the needs most urgent first, then most people affected, across pages with none lost or repeated', async () => {
    const { place } = await surveyedCommunity([
      need({ urgency: 'low', peopleAffected: 900 }),
      need({ urgency: 'critical', peopleAffected: 5 }),
      need({ urgency: 'high', peopleAffected: 30 }),
      need({ urgency: 'high', peopleAffected: 300 }),
      need({ urgency: 'medium', peopleAffected: 60 }),
    ]);
    const seen: { urgency: string; peopleAffected: number }[] = [];
    let url = `/api/v1/regions/${place.id}/demand-list?limit=2`;
    for (;;) {
      const res = await as(officer).get(url);
      expect(res.status).toBe(200);
      seen.push(...res.body.items);
      if (!res.body.nextCursor) break;
      url = `/api/v1/regions/${place.id}/demand-list?limit=2&cursor=${res.body.nextCursor}`;
    }
    expect(seen.map((n) => `${n.urgency}:${n.peopleAffected}`)).toEqual(['critical:5', 'high:300', 'high:30', 'medium:60', 'low:900']);
  });

  test('when read for a district, it gathers the needs of its communities and honours the filters', async () => {
    const { survey } = await surveyedCommunity([need({ targetGroup: 'migrants', source: 'resident_request', urgency: 'critical' }), need({ targetGroup: 'migrants', source: 'grid_worker' })]);
    const res = await as(applicant).get(`/api/v1/regions/${district.id}/demand-list?targetGroup=migrants&source=resident_request&urgency=critical&limit=100`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((n: { id: string }) => n.id)).toEqual([survey.needs[0].id]);
    const all = await as(applicant).get(`/api/v1/regions/${district.id}/demand-list?limit=100`);
    expect(all.body.items).toHaveLength(await count('needs'));
  });

  test('when an officer reads the demand list of a region outside their scope, it is 404; other roles may read it', async () => {
    expect((await as(outsider).get(`/api/v1/regions/${community.id}/demand-list`)).status).toBe(404);
    expect((await as(outsider).get(`/api/v1/regions/${otherCommunity.id}/demand-list`)).status).toBe(200);
    expect((await as(applicant).get(`/api/v1/regions/${community.id}/demand-list`)).status).toBe(200);
  });

  test('when a cursor is forged, it is refused 400 naming /query/cursor', async () => {
    const forged = Buffer.from(JSON.stringify([1, 2, 'x', 'y'])).toString('base64url');
    const res = await as(applicant).get(`/api/v1/regions/${community.id}/demand-list?cursor=${forged}`);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/query/cursor' })]);
  });

  test('when a filter value is not in its enum, the schema refuses it 400', async () => {
    const res = await as(applicant).get(`/api/v1/regions/${community.id}/demand-list?urgency=urgent`);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/query/urgency', rule: 'enum' })]);
  });
});

describe('unanswered needs', () => {
  test('when a live project answers a need it leaves the unanswered list, and it comes back once that project is withdrawn', async () => {
    const { place, survey } = await surveyedCommunity([need({ urgency: 'high' }), need({ urgency: 'low' })]);
    const [answered, open] = survey.needs.map((n) => n.id);
    const [programme] = await stack.db('programmes').insert({ name: 'Call', region_id: place.id, rules: JSON.stringify(defaultProgrammeRules()) }).returning('id');
    const [org] = await stack.db('organisations')
      .insert({ name: 'Centre', kind: 'social_work_organisation', grade: '4A', credit_code: creditCode(500000 + Math.floor(Math.random() * 99999)) })
      .returning('id');
    const [project] = await stack.db('projects')
      .insert({ programme_id: programme.id, organisation_id: org.id, region_id: place.id, region_level: 'community', region_path: place.path, title: 'Elder visits', stage: 'delivery', draft: JSON.stringify({}) })
      .returning('id');
    await stack.db('project_needs').insert({ project_id: project.id, need_id: answered });
    const unanswered = async () => (await as(officer).get(`/api/v1/regions/${place.id}/unanswered-needs`)).body.items.map((n: { id: string }) => n.id);

    expect(await unanswered()).toEqual([open]);
    await stack.db('projects').where({ id: project.id }).update({ stage: 'withdrawn' });
    expect(await unanswered()).toEqual([answered, open]);
    await stack.db('projects').where({ id: project.id }).update({ stage: 'closed' });
    expect(await unanswered()).toEqual([open]);
  });

  test('when one project is rejected but another live one answers the same need, the need stays answered', async () => {
    const { place, survey } = await surveyedCommunity([need()]);
    const [programme] = await stack.db('programmes').insert({ name: 'Call', region_id: place.id, rules: JSON.stringify(defaultProgrammeRules()) }).returning('id');
    const [org] = await stack.db('organisations')
      .insert({ name: 'Centre', kind: 'social_work_organisation', grade: '4A', credit_code: creditCode(600000 + Math.floor(Math.random() * 99999)) })
      .returning('id');
    for (const stage of ['rejected', 'review']) {
      const [p] = await stack.db('projects')
        .insert({ programme_id: programme.id, organisation_id: org.id, region_id: place.id, region_level: 'community', region_path: place.path, title: stage, stage, draft: JSON.stringify({}) })
        .returning('id');
      await stack.db('project_needs').insert({ project_id: p.id, need_id: survey.needs[0].id });
    }
    const res = await as(officer).get(`/api/v1/regions/${place.id}/unanswered-needs`);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
  });
});

describe('the resource list', () => {
  test('when a survey files many resources in one transaction, paging walks every one of them exactly once', async () => {
    const { place } = await surveyedCommunity([], Array.from({ length: 5 }, (_, i) => ({ unit: `Unit ${i}`, kind: 'volunteers', offer: `${i + 1} volunteers` })));
    const units: string[] = [];
    let url = `/api/v1/regions/${place.id}/resource-list?limit=2`;
    for (;;) {
      const res = await as(officer).get(url);
      expect(res.status).toBe(200);
      units.push(...res.body.items.map((r: { unit: string }) => r.unit));
      if (!res.body.nextCursor) break;
      url = `/api/v1/regions/${place.id}/resource-list?limit=2&cursor=${res.body.nextCursor}`;
    }
    expect(units.sort()).toEqual(['Unit 0', 'Unit 1', 'Unit 2', 'Unit 3', 'Unit 4']);
  });
});
