import type { Knex } from 'knex';
import * as platform from './20261123000100_platform';
import * as lifecycle from './20261123000200_lifecycle';
import * as demand from './20261123000250_demand';
import * as contests from './20261123000300_contests';
import * as tranches from './20261123000400_tranches';
import * as signInThrottle from './20261202000100_sign_in_throttle';
import * as serviceOrders from './20261202000200_service_orders';
import * as fundingDesk from './20261202000300_funding_desk';
import * as rectificationPlans from './20261210000500_rectification_plans';
import * as volunteerShifts from './20261210000600_volunteer_shifts';
import * as taskActions from './20261210000700_task_actions';
import * as evaluationRounds from './20261210000800_evaluation_rounds';
import * as rescoping from './20261215000100_rescoping';
import * as taskTitles from './20261217000100_task_titles';
import * as fundingDeskBatch from './20261220000100_funding_desk_batch';
import * as openTaskKeys from './20261221000100_open_task_keys';
import * as superviseTaskTitles from './20261222000100_supervise_task_titles';
import * as contestCancellation from './20261223000100_contest_cancellation';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

// Ordered by name; add each new migration here as well as in its own file.
const migrations: Record<string, Migration> = {
  '20261123000100_platform': platform,
  '20261123000200_lifecycle': lifecycle,
  '20261123000250_demand': demand,
  '20261123000300_contests': contests,
  '20261123000400_tranches': tranches,
  '20261202000100_sign_in_throttle': signInThrottle,
  '20261202000200_service_orders': serviceOrders,
  '20261202000300_funding_desk': fundingDesk,
  '20261210000500_rectification_plans': rectificationPlans,
  '20261210000600_volunteer_shifts': volunteerShifts,
  '20261210000700_task_actions': taskActions,
  '20261210000800_evaluation_rounds': evaluationRounds,
  '20261215000100_rescoping': rescoping,
  '20261217000100_task_titles': taskTitles,
  '20261220000100_funding_desk_batch': fundingDeskBatch,
  '20261221000100_open_task_keys': openTaskKeys,
  '20261222000100_supervise_task_titles': superviseTaskTitles,
  '20261223000100_contest_cancellation': contestCancellation,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};
