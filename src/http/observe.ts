import type { Span } from '@opentelemetry/api';
import { GatewayError } from '../errors.js';
import type { Provider } from '../model/provider.js';
import { SpanKind, finish, tracer, tracingActive } from '../observability/tracing.js';
import type { VendorMetrics } from '../observability/vendorMetrics.js';
import type { Layer, VendorCall } from './layer.js';

/**
 * Adds what operators see of one vendor call, retries included: a client span (when tracing is
 * on) and the request metrics. Assumes the layers below report retries through `onRetry` and the
 * last status in `status`.
 */
export const observe =
  (provider: Provider, metrics: VendorMetrics | undefined): Layer =>
  (next) => {
    const observed = async (call: VendorCall, span: Span | undefined) => {
      const started = performance.now();
      call.onRetry = () => {
        span?.addEvent('retry');
        metrics?.retried(provider, call.method, call.route);
      };
      // The metric's status is the vendor's last HTTP status, or the error code when none came.
      const done = (error?: GatewayError) => {
        const status = call.status ?? error?.extensions.upstreamStatus;
        metrics?.observe(provider, call.method, call.route, String(status ?? error?.code), (performance.now() - started) / 1000);
        if (!span) return;
        if (typeof status === 'number') span.setAttribute('http.response.status_code', status);
        if (error) span.setAttribute('error.type', error.code);
        finish(span, error);
      };
      try {
        const result = await next(call);
        done();
        return result;
      } catch (error) {
        done(error instanceof GatewayError ? error : undefined);
        throw error;
      }
    };
    return (call) => {
      if (!tracingActive()) return observed(call, undefined);
      const attributes = { 'chat.provider': provider, 'http.request.method': call.method, 'http.route': call.route };
      return tracer.startActiveSpan(`${call.method} ${call.route}`, { kind: SpanKind.CLIENT, attributes }, (span) => observed(call, span));
    };
  };
