import { Logger } from '@nestjs/common';
import { EventsAccepted, eventsBatchSchema, EventValidator, RecsysEvent } from '@recsys/contracts';
import { DomainError } from '@recsys/observability';
import { EventPublisher } from './event.publisher';

/**
 * `POST /v1/events`: validates each event with the contract schemas and publishes the accepted
 * ones to Kafka, resolving only after the broker acknowledged them (acks from all in-sync
 * replicas). Rejected events are reported by index; nothing accepted is lost.
 */
export class EventIntakeService {
  private readonly logger = new Logger(EventIntakeService.name);
  private readonly batch;

  constructor(
    private readonly publisher: EventPublisher,
    private readonly validator: EventValidator,
    private readonly maxEvents: number,
  ) {
    this.batch = eventsBatchSchema(maxEvents);
  }

  async submit(body: unknown): Promise<EventsAccepted> {
    const count = (body as { events?: unknown })?.events;
    if (Array.isArray(count) && count.length > this.maxEvents) {
      throw new DomainError(413, 'too_many_events', `at most ${this.maxEvents} events per request, got ${count.length}`);
    }
    const parsed = this.batch.safeParse(body);
    if (!parsed.success) throw new DomainError(400, 'invalid_body', parsed.error.issues.map((i) => i.message).join('; '));
    const accepted: RecsysEvent[] = [];
    const rejected: EventsAccepted['rejected'] = [];
    parsed.data.events.forEach((value, index) => {
      const r = this.validator.validate(value);
      if (r.ok) accepted.push(r.event);
      else rejected.push({ index, error: `${r.error.code}: ${r.error.message}` });
    });
    try {
      await this.publisher.publish(accepted);
    } catch (err) {
      this.logger.error(`publishing ${accepted.length} events failed: ${(err as Error).message}`);
      throw new DomainError(503, 'kafka_unavailable', 'events could not be published; nothing was accepted, retry later');
    }
    return { accepted: accepted.length, rejected };
  }
}
