import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DASHBOARD_CSP, DashboardAsset, DashboardAssets, notModified } from '@recsys/dashboard';
import { DomainError } from '@recsys/observability';

/**
 * `GET /dashboard` (the CTR dashboard) and `GET /dashboard/assets/{name}` (its scripts and styles, the chart library
 * among them), from memory, with ETags. One route pattern for every asset: the request metrics' `route` label stays
 * bounded whatever names are asked for.
 */
@Controller('dashboard')
export class DashboardController {
  constructor(private readonly assets: DashboardAssets) {}

  @Get()
  page(@Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    reply.header('Content-Security-Policy', DASHBOARD_CSP);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    send(req, reply, this.assets.page);
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    const a = this.assets.get(name);
    if (!a) throw new DomainError(404, 'unknown_asset', `no dashboard asset ${JSON.stringify(name.slice(0, 80))}`);
    reply.header('X-Content-Type-Options', 'nosniff');
    send(req, reply, a);
  }
}

function send(req: FastifyRequest, reply: FastifyReply, a: DashboardAsset): void {
  reply.header('ETag', a.etag).header('Cache-Control', a.cacheControl);
  if (notModified(req.headers['if-none-match'], a)) {
    reply.code(304).send();
    return;
  }
  reply.header('Content-Type', a.contentType).send(a.body);
}
