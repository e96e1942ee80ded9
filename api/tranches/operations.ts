import { defineOperation } from '../operation';
import { Fen, Instant, IsoDate, Nullable, Text, Type, Uuid } from '../schema';
import { EvaluationGrade, Subsidy } from '../projects/schemas';
import { listTranches, releaseTranche } from './service';

export const operations = [
  defineOperation({
    operationId: 'tranches.list',
    method: 'get',
    path: '/api/v1/projects/:id/tranches',
    summary: "The agreement's tranches: agreed, released, and what the final evaluation lets the final tranche release",
    tag: 'delivery',
    access: 'authenticated',
    params: Type.Object({ id: Uuid() }, { additionalProperties: false }),
    response: Type.Object(
      {
        items: Type.Array(
          Type.Object(
            {
              seq: Type.Integer({ minimum: 1 }),
              name: Type.String(),
              agreedFen: Fen(),
              releaseOn: IsoDate(),
              final: Type.Boolean(),
              releasedFen: Nullable(Fen()),
              releasedAt: Nullable(Instant()),
              releasableFen: Nullable(Fen()),
            },
            { additionalProperties: false },
          ),
        ),
        agreedFen: Fen(),
        releasedFen: Fen(),
        finalGrade: Nullable(EvaluationGrade),
        finalSubsidy: Nullable(Subsidy),
      },
      { additionalProperties: false },
    ),
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await listTranches(deps.db, user, params.id) }),
  }),

  defineOperation({
    operationId: 'tranches.release',
    method: 'post',
    path: '/api/v1/projects/:id/tranches/:seq/release',
    summary: 'Release a tranche of the agreed money, in order; the final tranche only after the final evaluation, and only the share its grade earns',
    tag: 'delivery',
    access: ['officer'],
    status: 201,
    transaction: true,
    params: Type.Object({ id: Uuid(), seq: Type.Integer({ minimum: 1, maximum: 24 }) }, { additionalProperties: false }),
    body: Type.Object({ note: Type.Optional(Text(2000)) }, { additionalProperties: false }),
    response: Type.Object({ seq: Type.Integer({ minimum: 1 }), name: Type.String(), agreedFen: Fen(), releasedFen: Fen(), heldFen: Fen() }, { additionalProperties: false }),
    problems: [404, 409, 422],
    handler: async ({ params, body, user, trx, deps, requestId }) => ({ status: 201, body: await releaseTranche(trx, user, requestId, deps.clock(), params.id, params.seq, body.note ?? null) }),
  }),
];
