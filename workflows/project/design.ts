import * as m from '../messages';
import { move, type AnyMove } from './state';

// Design (项目设计): the applicant submits the proposal draft as a new version, which sends it to review.

export const submitDesign = move({
  def: m.submitDesign,
  move: 'submitDesign',
  async apply(p, a, key) {
    const s = p.state;
    const from = s.stage;
    s.version += 1;
    s.stage = 'review';
    s.panel = [];
    s.revisionDueAt = null;
    await p.record({
      key, kind: 'designSubmitted', actorId: a.actorId, data: { version: s.version, from },
      write: { op: 'designVersion', version: s.version },
    });
  },
});

export const designMoves: AnyMove[] = [submitDesign];
