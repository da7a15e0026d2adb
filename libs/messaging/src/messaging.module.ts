import { Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { APP_CONFIG, AppConfig } from '@recsys/config';
import { ReadinessService } from '@recsys/observability';
import { createKafka } from './kafka.factory';
import { EventPublisher } from './event.publisher';
import { EventIntakeService } from './event-intake.service';
import { EventValidator } from '@recsys/contracts';

/** Injection token of the process's kafkajs client. */
export const KAFKA = Symbol('KAFKA');

@Injectable()
class PublisherLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly readiness: ReadinessService,
  ) {}

  async onModuleInit(): Promise<void> {
    this.readiness.register('kafka', () => this.publisher.ready());
    // Connect eagerly but do not fail the boot: readiness reports the broker until it answers.
    this.publisher.connect().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.close();
  }
}

/** The Kafka client and the event publisher, closed on shutdown. */
@Global()
@Module({
  providers: [
    { provide: KAFKA, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createKafka(config) },
    {
      provide: EventPublisher,
      inject: [KAFKA, APP_CONFIG],
      useFactory: (kafka: Kafka, config: AppConfig) => new EventPublisher(kafka, config),
    },
    {
      provide: EventIntakeService,
      inject: [EventPublisher, APP_CONFIG],
      useFactory: (publisher: EventPublisher, config: AppConfig) =>
        new EventIntakeService(publisher, new EventValidator({ imageEmbeddingDim: config.IMAGE_EMBEDDING_DIM }), config.EVENTS_MAX_BATCH),
    },
    PublisherLifecycle,
  ],
  exports: [KAFKA, EventPublisher, EventIntakeService],
})
export class MessagingModule {}
