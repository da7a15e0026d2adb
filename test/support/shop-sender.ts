import type { MlEvent } from '@recsys/ml';
import { produce } from './events';
import type { IngestFixture } from './ingest-fixture';
import { contractJson } from './stored-shop';

/**
 * Sends shop events through Kafka as producers do (products keyed by item, interactions by user) and waits until the
 * ingest service stored them and they are below the trainer's watermark (another writer on the PostgreSQL cluster can
 * hold it back for a moment), so a training run started next sees them all.
 */
export class ShopSender {
  /** Interactions sent so far (and expected stored). */
  stored = 0;

  constructor(
    private readonly fx: IngestFixture,
    private readonly products: number,
  ) {}

  async send(events: readonly MlEvent[]): Promise<void> {
    const products = events.filter((e) => e.kind === 'product');
    const interactions = events.filter((e) => e.kind === 'interaction');
    if (products.length) await produce(this.fx.kafka, this.fx.topics.products, products.map((e) => ({ key: e.itemId, value: JSON.stringify(contractJson(e)) })));
    if (interactions.length) {
      await produce(this.fx.kafka, this.fx.topics.interactions, interactions.map((e) => ({ key: (e as { userId: string }).userId, value: JSON.stringify(contractJson(e)) })));
    }
    this.stored += interactions.length;
    const totals = await this.fx.waitForTotals({ interactions: this.stored, products: this.products });
    if (totals.interactions !== this.stored || totals.products !== this.products) {
      throw new Error(`stored ${totals.interactions} interactions and ${totals.products} products, expected ${this.stored} and ${this.products}`);
    }
    await this.fx.waitBelowWatermark();
  }
}
