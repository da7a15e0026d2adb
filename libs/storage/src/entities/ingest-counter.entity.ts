import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BIGINT_NUMBER } from './transformers';

/** Totals since the database was created (duplicates, abusive events), kept transactionally. */
@Entity({ name: 'ingest_counters' })
export class IngestCounterEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'bigint', transformer: BIGINT_NUMBER, default: 0 })
  value!: number;
}
