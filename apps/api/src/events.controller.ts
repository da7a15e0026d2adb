import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import type { EventsAccepted } from '@recsys/contracts';
import { EventIntakeService } from '@recsys/messaging';

/** `POST /v1/events`: up to EVENTS_MAX_BATCH interactions or products, published before the 202. */
@Controller('v1/events')
export class EventsController {
  constructor(private readonly intake: EventIntakeService) {}

  @Post()
  @HttpCode(202)
  submit(@Body() body: unknown): Promise<EventsAccepted> {
    return this.intake.submit(body);
  }
}
