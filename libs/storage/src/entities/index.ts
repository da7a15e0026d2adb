import { DeadLetterEntity } from './dead-letter.entity';
import { IngestCounterEntity } from './ingest-counter.entity';
import { IngestOffsetEntity } from './ingest-offset.entity';
import { InteractionEntity } from './interaction.entity';
import { ProductEntity } from './product.entity';

export { DeadLetterEntity, IngestCounterEntity, IngestOffsetEntity, InteractionEntity, ProductEntity };

/** Every entity of the data source. */
export const ENTITIES = [InteractionEntity, ProductEntity, DeadLetterEntity, IngestOffsetEntity, IngestCounterEntity];
