import type { paths } from './schema';

// Names for the generated shapes the console reads in more than one place: aliases only, every one of them taken from
// the operations' declared schemas (schema.d.ts), so a changed schema breaks the typecheck of the page that reads it.

type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;

/** The JSON answer of a success (200 or 201) of an operation. */
export type Answer<P extends keyof paths, M extends 'get' | 'post' | 'put' | 'patch' | 'delete' = 'get'> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: infer A } ? JsonOf<A> : R extends { 201: infer A } ? JsonOf<A> : never
  : never;

/** The JSON request body of an operation. */
export type RequestBody<P extends keyof paths, M extends 'post' | 'put' | 'patch' = 'post'> = paths[P][M] extends { requestBody?: infer B } ? JsonOf<NonNullable<B>> : never;

export type Me = Answer<'/api/v1/me'>;
export type Session = Answer<'/api/v1/auth/session'>;
export type Region = Answer<'/api/v1/regions'>['items'][number];
export type Task = Answer<'/api/v1/me/tasks'>['items'][number];
export type Project = Answer<'/api/v1/projects'>['items'][number];
export type ProjectDetail = Answer<'/api/v1/projects/{id}'>;
export type Proposal = ProjectDetail['draft'];
export type TimelineEvent = Answer<'/api/v1/projects/{id}/timeline'>['items'][number];
export type Review = Answer<'/api/v1/projects/{id}/review'>;
export type Need = Answer<'/api/v1/regions/{id}/unanswered-needs'>['items'][number];
export type Programme = Answer<'/api/v1/programmes/{id}'>;
export type ProgrammeRules = Programme['rules'];
export type Criterion = ProgrammeRules['review']['criteria'][number];
export type SupervisionDimension = ProgrammeRules['monitoring']['supervisionDimensions'][number];
/** An evaluation indicator: scored from the service loop's drawn figure when it names one and the project has it. */
export type Indicator = ProgrammeRules['evaluation']['indicators'][number];
/** What the project page's score forms read: a supervision dimension or an evaluation indicator. */
export type WeightedItem = SupervisionDimension | Indicator;
