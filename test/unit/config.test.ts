import path from 'node:path';
import { ConfigError, loadConfig } from '../../bin/config';

const CWD = '/srv/fuhua';

function errorOf(env: NodeJS.ProcessEnv): unknown {
  try {
    loadConfig(env, CWD);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('loadConfig defaults', () => {
  test('with no variables set, every setting takes its documented default', () => {
    expect(loadConfig({}, CWD)).toEqual({
      host: '127.0.0.1',
      port: 3000,
      databaseUrl: null,
      dataDir: path.join(CWD, '.data'),
      pgPort: 5488,
      temporalAddress: null,
      temporalNamespace: 'default',
      temporalPort: 7233,
      temporalUiPort: 8233,
      taskQueue: 'fuhua',
      adminPassword: null,
      tokenTtlMs: 12 * 3600_000,
      trustProxy: null,
      loginMaxFailures: 5,
      loginLockMs: 15 * 60_000,
      bodyLimitBytes: 1024 * 1024,
      logLevel: 'info',
      workerMetricsPort: null,
      metricsPort: 9464,
      metricsHost: '127.0.0.1',
      sessionCacheMs: 5000,
      updateTimeoutMs: 25000,
      apiProcesses: 1,
      dbPoolMax: 20,
      workerCachedWorkflows: 500,
      workflowBundle: null,
    });
  });

  test('empty strings count as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', TEMPORAL_ADDRESS: '', FUHUA_TOKEN_TTL: '', FUHUA_ADMIN_PASSWORD: '' }, CWD)).toEqual(loadConfig({}, CWD));
  });

  test('valid values are parsed: numbers, URLs, host:port and ISO 8601 durations', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        HOST: '0.0.0.0',
        DATABASE_URL: 'postgresql://fuhua:secret@db.internal:5432/fuhua',
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        FUHUA_TOKEN_TTL: 'P1DT2H30M',
        FUHUA_LOGIN_LOCK: 'PT90S',
        FUHUA_ADMIN_PASSWORD: 'ten-chars!',
        FUHUA_DATA_DIR: '/var/lib/fuhua',
        FUHUA_WORKER_METRICS_PORT: '9464',
      },
      CWD,
    );
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgresql://fuhua:secret@db.internal:5432/fuhua',
      temporalAddress: 'temporal.internal:7233',
      tokenTtlMs: (26 * 60 + 30) * 60_000,
      loginLockMs: 90_000,
      adminPassword: 'ten-chars!',
      dataDir: '/var/lib/fuhua',
      workerMetricsPort: 9464,
    });
  });
});

describe('loadConfig refuses bad values with a ConfigError naming the variable', () => {
  test.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '3000x'],
    ['PORT', '8.5'],
    ['DATABASE_URL', 'not a url'],
    ['DATABASE_URL', 'mysql://db.internal/fuhua'],
    ['DATABASE_URL', 'db.internal:5432'],
    ['TEMPORAL_ADDRESS', 'localhost'],
    ['TEMPORAL_ADDRESS', 'http://temporal:7233'],
    ['TEMPORAL_ADDRESS', 'temporal:port'],
    ['FUHUA_TOKEN_TTL', '12h'],
    ['FUHUA_TOKEN_TTL', 'PT0S'],
    ['FUHUA_TOKEN_TTL', 'P'],
    ['FUHUA_TOKEN_TTL', 'PT'],
    ['FUHUA_TOKEN_TTL', 'P1M'],
    ['FUHUA_TOKEN_TTL', '3600'],
    ['FUHUA_ADMIN_PASSWORD', 'short'],
    ['FUHUA_ADMIN_PASSWORD', '123456789'],
    ['FUHUA_METRICS_PORT', '70000'],
    ['FUHUA_METRICS_PORT', 'metrics'],
    ['FUHUA_TRUST_PROXY', 'true'],
    ['FUHUA_TRUST_PROXY', '0'],
    ['FUHUA_TRUST_PROXY', '10.0.0.0/8; rm -rf'],
  ])('%s=%j', (name, value) => {
    const thrown = errorOf({ [name]: value });
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain(name);
  });

  test('a refused DATABASE_URL is named without echoing its password', () => {
    const thrown = errorOf({ DATABASE_URL: 'mysql://fuhua:hunter2-secret@db/fuhua' });
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain('DATABASE_URL');
    expect((thrown as Error).message).not.toContain('hunter2-secret');
  });

  test('a short FUHUA_ADMIN_PASSWORD is not echoed in the message', () => {
    expect(() => loadConfig({ FUHUA_ADMIN_PASSWORD: 'sesame' }, CWD)).toThrow(/FUHUA_ADMIN_PASSWORD must be at least 10 characters$/);
  });
});

describe('the trusted proxies', () => {
  test('FUHUA_TRUST_PROXY takes a hop count or a list of addresses and subnets, as Express does', () => {
    expect(loadConfig({ FUHUA_TRUST_PROXY: '1' }, CWD).trustProxy).toBe(1);
    expect(loadConfig({ FUHUA_TRUST_PROXY: 'loopback, 10.0.0.0/8' }, CWD).trustProxy).toBe('loopback, 10.0.0.0/8');
  });
});

describe('the metrics port', () => {
  test('by default /metrics is served on 127.0.0.1:9464, apart from the API port', () => {
    expect(loadConfig({}, CWD)).toMatchObject({ metricsPort: 9464, metricsHost: '127.0.0.1', port: 3000 });
  });

  test('FUHUA_METRICS_PORT=0 serves no metrics; FUHUA_METRICS_HOST moves them to another address', () => {
    expect(loadConfig({ FUHUA_METRICS_PORT: '0' }, CWD).metricsPort).toBeNull();
    expect(loadConfig({ FUHUA_METRICS_PORT: '9100', FUHUA_METRICS_HOST: '10.0.0.5' }, CWD)).toMatchObject({ metricsPort: 9100, metricsHost: '10.0.0.5' });
  });
});
