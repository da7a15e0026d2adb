import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { BIGINT_NUMBER } from './transformers';

/** One stored interaction; `eventId` is the idempotency key. */
@Entity({ name: 'interactions' })
@Index('interactions_user_ts', ['userId', 'ts'])
@Index('interactions_seq', ['seq'], { unique: true })
export class InteractionEntity {
  @PrimaryColumn({ name: 'event_id', type: 'varchar', length: 128 })
  eventId!: string;

  /** Insertion order: the trainer's cursor over new interactions. */
  @Column({ type: 'bigint', generated: 'increment', transformer: BIGINT_NUMBER })
  seq!: number;

  @Column({ type: 'varchar', length: 16 })
  type!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 128 })
  userId!: string;

  @Column({ name: 'item_id', type: 'varchar', length: 128 })
  itemId!: string;

  /** Event time, epoch milliseconds. */
  @Column({ type: 'bigint', transformer: BIGINT_NUMBER })
  ts!: number;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  @Column({ type: 'int', nullable: true })
  position!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  context!: Record<string, unknown> | null;

  /** The model version that served `requestId`, resolved at ingest; null when unknown. */
  @Column({ name: 'model_version', type: 'varchar', length: 64, nullable: true })
  modelVersion!: string | null;

  /** Kafka partition and offset of the message that stored it (null when not from Kafka). */
  @Column({ name: 'source_partition', type: 'int', nullable: true })
  sourcePartition!: number | null;

  @Column({ name: 'source_offset', type: 'bigint', nullable: true, transformer: BIGINT_NUMBER })
  sourceOffset!: number | null;

  /** Flagged by the abuse filter: stored, but excluded from training and CTR. */
  @Column({ type: 'boolean', default: false })
  abusive!: boolean;

  @Column({ name: 'ingested_at', type: 'timestamptz', default: () => 'now()' })
  ingestedAt!: Date;
}
