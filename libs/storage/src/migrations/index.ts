import { InitialSchema1732780800000 } from './1732780800000-initial-schema';
import { InteractionModelVersion1732784400000 } from './1732784400000-interaction-model-version';
import { BrinInteractionSource1732788000000 } from './1732788000000-brin-interaction-source';
import { DeadLetterOutbox1732791600000 } from './1732791600000-dead-letter-outbox';
import { LogIdentity1732795200000 } from './1732795200000-log-identity';
import { BoundedIngestState1732798800000 } from './1732798800000-bounded-ingest-state';
import { ModelRegistry1732802400000 } from './1732802400000-model-registry';
import { ScoringSupport1732806000000 } from './1732806000000-scoring-support';
import { InteractionTimeBrin1732809600000 } from './1732809600000-interaction-time-brin';
import { ModelActivations1732813200000 } from './1732813200000-model-activations';

/** Every migration, oldest first. */
export const MIGRATIONS = [InitialSchema1732780800000, InteractionModelVersion1732784400000, BrinInteractionSource1732788000000, DeadLetterOutbox1732791600000, LogIdentity1732795200000, BoundedIngestState1732798800000, ModelRegistry1732802400000, ScoringSupport1732806000000, InteractionTimeBrin1732809600000, ModelActivations1732813200000];
