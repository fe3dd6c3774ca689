import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ChannelsController } from './alerts/channels/channels.controller';
import { ChannelsService } from './alerts/channels/channels.service';
import { TestChannelUseCase } from './alerts/channels/test-channel.usecase';
import { DeliveriesController } from './alerts/deliveries/deliveries.controller';
import { DeliveriesService } from './alerts/deliveries/deliveries.service';
import { AlertRulesController } from './alerts/alert-rules.controller';
import { AlertsController } from './alerts/alerts.controller';
import { SilencesController } from './alerts/silences.controller';
import { AnalyticsController } from './analytics/analytics.controller';
import { AnalyticsService } from './analytics/analytics.service';
import { ApiKeyAuthenticator } from './auth/api-key-authenticator';
import { AuthGuard } from './auth/auth.guard';
import { EventsController } from './events/events.controller';
import { HealthController } from './health/health.controller';
import { HitlController } from './hitl/hitl.controller';
import { HitlService } from './hitl/hitl.service';
import { HitlWaiters } from './hitl/hitl-waiters';
import { WaitForResponseUseCase } from './hitl/wait-for-response.usecase';
import { IngestController } from './ingest/ingest.controller';
import { IngestEventsUseCase } from './ingest/ingest.usecase';
import { LiveGateway } from './live/live.gateway';
import { QueryController } from './query/query.controller';
import { QueryService } from './query/query.service';
import { SavedQueriesController } from './query/saved-queries.controller';
import { PushController } from './push/push.controller';
import { PushSubscriptionsService } from './push/push-subscriptions.service';
import { RUNTIME, type Runtime } from './runtime/runtime';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsService } from './sessions/sessions.service';
import { TracesController } from './traces/traces.controller';
import { TracesService } from './traces/traces.service';

@Module({})
export class AppModule {
  /** The runtime (database, bus, live hub) is built before Nest and provided as a value. */
  static forRuntime(runtime: Runtime): DynamicModule {
    return {
      module: AppModule,
      controllers: [
        HealthController,
        IngestController,
        EventsController,
        AnalyticsController,
        ChannelsController,
        DeliveriesController,
        AlertRulesController,
        SilencesController,
        AlertsController,
        SessionsController,
        TracesController,
        QueryController,
        SavedQueriesController,
        HitlController,
        PushController,
      ],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        ApiKeyAuthenticator,
        { provide: APP_GUARD, useClass: AuthGuard },
        IngestEventsUseCase,
        AnalyticsService,
        ChannelsService,
        TestChannelUseCase,
        DeliveriesService,
        LiveGateway,
        QueryService,
        SessionsService,
        TracesService,
        HitlService,
        HitlWaiters,
        WaitForResponseUseCase,
        PushSubscriptionsService,
      ],
    };
  }
}
