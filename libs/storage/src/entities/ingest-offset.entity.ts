import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT_NUMBER } from './transformers';

/**
 * The next Kafka offset to process per topic partition, written in the same transaction as the
 * rows it covers: a replayed message below it is recognised and skipped, so nothing is doubled.
 */
@Entity({ name: 'ingest_offsets' })
export class IngestOffsetEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  topic!: string;

  @PrimaryColumn({ type: 'int' })
  partition!: number;

  @Column({ name: 'next_offset', type: 'bigint', transformer: BIGINT_NUMBER })
  nextOffset!: number;

  /** Identifies the message at `nextOffset - 1` (its eventId, or a hash of an invalid message's bytes). */
  @Column({ name: 'last_fingerprint', type: 'text', nullable: true })
  lastFingerprint!: string | null;

  /** Times the partition's log was found replaced (offsets starting over) and consumed again from its start. */
  @Column({ name: 'log_resets', type: 'int', default: 0 })
  logResets!: number;

  /** Interactions of this partition with `seq` at or below this came from an earlier log. */
  @Column({ name: 'min_seq', type: 'bigint', default: 0, transformer: BIGINT_NUMBER })
  minSeq!: number;
}
