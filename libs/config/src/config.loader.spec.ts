import { ConfigError, loadConfig, topicNames } from '@recsys/config';

describe('loadConfig', () => {
  it('gives every documented default when nothing is set', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/recsys',
      REDIS_URL: 'redis://127.0.0.1:6379/0',
      PORT: 3000,
      INGEST_PORT: 3001,
      TRAINER_PORT: 3002,
      MODEL_DIR: './var/models',
      TRAIN_SCHEDULE: '0 * * * *',
      ML_BACKEND: 'auto',
      IMAGE_EMBEDDING_DIM: 0,
    });
    expect(c.ADMIN_TOKEN).toBeUndefined();
  });

  it('parses comma-separated brokers and numeric ports from the environment', () => {
    const c = loadConfig({}, { KAFKA_BROKERS: 'a:1, b:2,', PORT: '8080', IMAGE_EMBEDDING_DIM: '64' });
    expect(c.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(c.PORT).toBe(8080);
    expect(c.IMAGE_EMBEDDING_DIM).toBe(64);
  });

  it('lets overrides win over the environment and treats empty strings as unset', () => {
    const c = loadConfig({ PORT: '4000' }, { PORT: '5000', ADMIN_TOKEN: '' });
    expect(c.PORT).toBe(4000);
    expect(c.ADMIN_TOKEN).toBeUndefined();
  });

  it('fails with a message naming every bad key', () => {
    let error: unknown;
    try {
      loadConfig({}, { PORT: 'eighty', ML_BACKEND: 'gpu', TRAIN_SCHEDULE: 'hourly', ADMIN_TOKEN: 'short' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const key of ['PORT', 'ML_BACKEND', 'TRAIN_SCHEDULE', 'ADMIN_TOKEN']) expect(message).toContain(key);
  });

  it('derives topic names from the prefix', () => {
    expect(topicNames({ KAFKA_TOPIC_PREFIX: 't1' })).toEqual({
      interactions: 't1.interactions',
      products: 't1.products',
      deadLetter: 't1.dead-letter',
    });
  });
});
