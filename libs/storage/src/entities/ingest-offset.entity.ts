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
}
