import { InteractionType } from '@recsys/contracts';
import { FeatureStore, deviceClass } from '@recsys/features';
import { IngestRepository } from './ingest.repository';

/**
 * Recomputes every derived Redis feature from PostgreSQL, the truth: clears them, applies the
 * stored non-abusive interactions through the same code the stream uses, and sets the applied
 * offsets to the database's. Run it with the ingest service stopped.
 */
export class FeatureRebuildService {
  constructor(
    private readonly repo: IngestRepository,
    private readonly features: FeatureStore,
    private readonly interactionsTopic: string,
  ) {}

  async rebuild(onProgress?: (applied: number) => void): Promise<{ removedKeys: number; interactions: number }> {
    const removedKeys = await this.features.clearDerived();
    let interactions = 0;
    for await (const rows of this.repo.cleanInteractions()) {
      await this.features.apply(
        rows.map((r) => ({
          type: r.type as InteractionType,
          userId: r.user_id,
          itemId: r.item_id,
          ts: Number(r.ts),
          modelVersion: r.model_version,
          device: deviceClass(r.device),
        })),
      );
      interactions += rows.length;
      onProgress?.(interactions);
    }
    for (const o of await this.repo.allOffsets()) {
      if (o.topic === this.interactionsTopic) await this.features.apply([], { topic: o.topic, partition: o.partition, fromOffset: 0, nextOffset: o.nextOffset });
    }
    return { removedKeys, interactions };
  }
}
