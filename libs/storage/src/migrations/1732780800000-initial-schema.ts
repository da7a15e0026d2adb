import { MigrationInterface, QueryRunner } from 'typeorm';

/** Interactions, products, dead letters, and the transactional ingest bookkeeping. */
export class InitialSchema1732780800000 implements MigrationInterface {
  name = 'InitialSchema1732780800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE interactions (
        event_id    varchar(128) PRIMARY KEY,
        seq         bigserial    NOT NULL,
        type        varchar(16)  NOT NULL,
        user_id     varchar(128) NOT NULL,
        item_id     varchar(128) NOT NULL,
        ts          bigint       NOT NULL,
        request_id  varchar(128),
        position    int,
        context     jsonb,
        abusive     boolean      NOT NULL DEFAULT false,
        ingested_at timestamptz  NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX interactions_seq ON interactions (seq)`);
    await q.query(`CREATE INDEX interactions_user_ts ON interactions (user_id, ts)`);
    await q.query(`CREATE INDEX interactions_request ON interactions (request_id) WHERE request_id IS NOT NULL`);
    await q.query(`CREATE SEQUENCE products_seq_seq`);
    await q.query(`
      CREATE TABLE products (
        item_id         varchar(128) PRIMARY KEY,
        seq             bigint       NOT NULL DEFAULT nextval('products_seq_seq'),
        event_id        varchar(128) NOT NULL,
        ts              bigint       NOT NULL,
        deleted         boolean      NOT NULL DEFAULT false,
        title           text,
        description     text,
        category        text[],
        brand           text,
        price           double precision,
        image_embedding real[],
        attributes      jsonb,
        updated_at      timestamptz  NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX products_seq ON products (seq)`);
    await q.query(`
      CREATE TABLE dead_letters (
        id               bigserial    PRIMARY KEY,
        source_topic     varchar(255) NOT NULL,
        source_partition int          NOT NULL,
        source_offset    bigint       NOT NULL,
        reason_code      varchar(32)  NOT NULL,
        reason_message   text         NOT NULL,
        original         bytea,
        created_at       timestamptz  NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX dead_letters_source ON dead_letters (source_topic, source_partition, source_offset)`);
    await q.query(`
      CREATE TABLE ingest_offsets (
        topic       varchar(255) NOT NULL,
        partition   int          NOT NULL,
        next_offset bigint       NOT NULL,
        PRIMARY KEY (topic, partition)
      )`);
    await q.query(`
      CREATE TABLE ingest_counters (
        name  varchar(64) PRIMARY KEY,
        value bigint      NOT NULL DEFAULT 0
      )`);
    await q.query(`
      CREATE TABLE user_minute_counts (
        user_id varchar(128) NOT NULL,
        minute  bigint       NOT NULL,
        n       int          NOT NULL,
        PRIMARY KEY (user_id, minute)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE user_minute_counts`);
    await q.query(`DROP TABLE ingest_counters`);
    await q.query(`DROP TABLE ingest_offsets`);
    await q.query(`DROP TABLE dead_letters`);
    await q.query(`DROP TABLE products`);
    await q.query(`DROP SEQUENCE products_seq_seq`);
    await q.query(`DROP TABLE interactions`);
  }
}
