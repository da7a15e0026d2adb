import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { BIGINT_NUMBER } from './transformers';

/** A message that could not be accepted; one row per source message (topic, partition, offset). */
@Entity({ name: 'dead_letters' })
@Index('dead_letters_source', ['sourceTopic', 'sourcePartition', 'sourceOffset'], { unique: true })
export class DeadLetterEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'source_topic', type: 'varchar', length: 255 })
  sourceTopic!: string;

  @Column({ name: 'source_partition', type: 'int' })
  sourcePartition!: number;

  @Column({ name: 'source_offset', type: 'bigint', transformer: BIGINT_NUMBER })
  sourceOffset!: number;

  @Column({ name: 'reason_code', type: 'varchar', length: 32 })
  reasonCode!: string;

  @Column({ name: 'reason_message', type: 'text' })
  reasonMessage!: string;

  @Column({ type: 'bytea', nullable: true })
  original!: Buffer | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'original_key', type: 'bytea', nullable: true })
  originalKey!: Buffer | null;

  /** When it was published to the dead-letter topic; null until then (the row is the outbox). */
  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
