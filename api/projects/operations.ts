import { defineOperation } from '../operation';
import { IdParams, Instant, Name, Nullable, Page, PageQuery, Text, Type, Uuid } from '../schema';
import { Colour, Project, ProjectView, Proposal, RegionLevel, Stage, TargetGroup, projectFields } from './schemas';
import { createProject, getProject, listProjects, projectStats, projectTimeline, withdrawProject } from './service';

const Counts = Type.Record(Type.String(), Type.Integer({ minimum: 0 }));

const TimelineEvent = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9]+$' }),
    kind: Type.String(),
    actorId: Nullable(Uuid({ description: 'Hidden (null) for a review score, except from those who may learn who reviews' })),
    actorName: Nullable(Type.String()),
    data: Type.Record(Type.String(), Type.Unknown(), { description: "The event's facts; reviewers' ids are null for readers who may not learn them" }),
    at: Instant(),
  },
  { additionalProperties: false },
);

export const operations = [
  defineOperation({
    operationId: 'projects.create',
    method: 'post',
    path: '/api/v1/programmes/:id/projects',
    summary: 'An applicant organisation starts a project in an open programme, answering listed needs; its lifecycle workflow starts in design',
    tag: 'projects',
    access: ['applicant'],
    status: 201,
    params: IdParams,
    body: Type.Object(
      {
        title: Name(),
        summary: Type.Optional(Text(5000)),
        regionId: Uuid(),
        needIds: Type.Array(Uuid(), { minItems: 1, maxItems: 50, uniqueItems: true }),
        proposal: Proposal,
      },
      { additionalProperties: false },
    ),
    response: Type.Object({ ...projectFields, draft: Proposal }, { additionalProperties: false }),
    problems: [404, 422],
    handler: async ({ params, body, user, deps, requestId, idempotencyKey }) => ({ status: 201, body: await createProject(deps, user, requestId, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'projects.list',
    method: 'get',
    path: '/api/v1/projects',
    summary: 'The project library (项目库): search by region subtree and level, programme, stage, colour, target group, organisation and text',
    tag: 'projects',
    access: 'authenticated',
    query: Type.Object(
      {
        ...PageQuery,
        regionId: Type.Optional(Uuid()),
        regionLevel: Type.Optional(RegionLevel),
        programmeId: Type.Optional(Uuid()),
        organisationId: Type.Optional(Uuid()),
        stage: Type.Optional(Type.Array(Stage, { maxItems: 11 })),
        colour: Type.Optional(Type.Array(Colour, { maxItems: 4 })),
        targetGroup: Type.Optional(TargetGroup),
        q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      },
      { additionalProperties: false },
    ),
    response: Page(Project),
    problems: [404],
    handler: async ({ query, user, deps }) => {
      const { limit, cursor, ...filter } = query;
      return { body: await listProjects(deps.db, user, filter, { limit, cursor }) };
    },
  }),

  defineOperation({
    operationId: 'projects.stats',
    method: 'get',
    path: '/api/v1/projects/stats',
    summary: "Dashboard counts: projects per stage and per colour, for a region and each of its child regions (a region outside the caller's scope is 404)",
    tag: 'projects',
    access: ['admin', 'officer', 'organiser'],
    query: Type.Object({ regionId: Uuid() }, { additionalProperties: false }),
    response: Type.Object(
      {
        regionId: Uuid(),
        byStage: Counts,
        byColour: Counts,
        children: Type.Array(Type.Object({ regionId: Uuid(), name: Type.String(), byStage: Counts, byColour: Counts }, { additionalProperties: false })),
      },
      { additionalProperties: false },
    ),
    problems: [404],
    handler: async ({ query, user, deps }) => ({ body: await projectStats(deps.db, user, query.regionId) }),
  }),

  defineOperation({
    operationId: 'projects.get',
    method: 'get',
    path: '/api/v1/projects/:id',
    summary: 'One project: the record joined to its live workflow state (stage, colour, open deadlines, pending actions)',
    tag: 'projects',
    access: 'authenticated',
    params: IdParams,
    response: Type.Object({ ...projectFields, draft: Proposal, live: Nullable(ProjectView) }, { additionalProperties: false }),
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await getProject(deps, user, params.id) }),
  }),

  defineOperation({
    operationId: 'projects.timeline',
    method: 'get',
    path: '/api/v1/projects/:id/timeline',
    summary: 'Every event of the project with who and when (who reviewed only for those who may learn it)',
    tag: 'projects',
    access: 'authenticated',
    params: IdParams,
    response: Type.Object({ items: Type.Array(TimelineEvent) }, { additionalProperties: false }),
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await projectTimeline(deps.db, user, params.id) }),
  }),

  defineOperation({
    operationId: 'projects.withdraw',
    method: 'post',
    path: '/api/v1/projects/:id/withdraw',
    summary: 'Withdraw the project (before delivery): by its applicant organisation or an officer',
    tag: 'projects',
    access: ['applicant', 'officer'],
    params: IdParams,
    body: Type.Object({ reason: Text(2000, { minLength: 1 }) }, { additionalProperties: false }),
    response: ProjectView,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await withdrawProject(deps, user, params.id, body.reason, idempotencyKey) }),
  }),
];
