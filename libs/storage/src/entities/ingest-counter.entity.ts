import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT_NUMBER } from './transformers';

/**
 * Totals since the database was created (duplicates, abusive events), kept transactionally per partition (summed when
 * read, so partitions do not wait for each other); totals from before per-partition counting sit in ('', -1).
 */
@Entity({ name: 'ingest_counters' })
export class IngestCounterEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @PrimaryColumn({ type: 'varchar', length: 255, default: '' })
  topic!: string;

  @PrimaryColumn({ type: 'int', default: -1 })
  partition!: number;

  @Column({ type: 'bigint', transformer: BIGINT_NUMBER, default: 0 })
  value!: number;
}
