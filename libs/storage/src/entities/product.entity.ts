import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { BIGINT_NUMBER } from './transformers';

/** The newest state of a product (newest `ts` wins); deletes are kept as tombstones. */
@Entity({ name: 'products' })
@Index('products_seq', ['seq'], { unique: true })
export class ProductEntity {
  @PrimaryColumn({ name: 'item_id', type: 'varchar', length: 128 })
  itemId!: string;

  /** Bumped on every change: the trainer's cursor over changed products. */
  @Column({ type: 'bigint', transformer: BIGINT_NUMBER, insert: false, update: false })
  seq!: number;

  @Column({ name: 'event_id', type: 'varchar', length: 128 })
  eventId!: string;

  @Column({ type: 'bigint', transformer: BIGINT_NUMBER })
  ts!: number;

  @Column({ type: 'boolean', default: false })
  deleted!: boolean;

  @Column({ type: 'text', nullable: true })
  title!: string | null;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'text', array: true, nullable: true })
  category!: string[] | null;

  @Column({ type: 'text', nullable: true })
  brand!: string | null;

  @Column({ type: 'double precision', nullable: true })
  price!: number | null;

  @Column({ name: 'image_embedding', type: 'real', array: true, nullable: true })
  imageEmbedding!: number[] | null;

  @Column({ type: 'jsonb', nullable: true })
  attributes!: Record<string, string> | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
