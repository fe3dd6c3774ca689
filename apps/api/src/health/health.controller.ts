import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { RUNTIME, type Runtime } from '../runtime/runtime';

const startedAt = Date.now();

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  /** Liveness, in the seed's shape: the process answers. */
  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Liveness and a short status' })
  health() {
    const { config } = this.runtime;
    return {
      status: 'healthy',
      mode: config.mode,
      uptime: (Date.now() - startedAt) / 1000,
      database: { adapter: this.runtime.db.kind, flavor: this.runtime.flavor },
      features: {
        auth: config.auth.enabled,
        alerts: config.alerts.enabled,
        tracing: config.tracing,
        anomalyDetection: config.anomalyDetection,
      },
    };
  }

  /** Readiness: the database answers and the bus accepts (503 otherwise). */
  @Public()
  @Get('ready')
  @ApiOperation({ summary: 'Readiness of the database and the event bus' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const checks = await this.runtime.checks();
    const ok = Object.values(checks).every(Boolean);
    void reply.status(ok ? 200 : 503);
    return { ready: ok, checks };
  }
}
