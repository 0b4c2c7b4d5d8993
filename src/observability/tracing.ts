/**
 * OpenTelemetry traces: a span for each GraphQL operation and for each vendor request, the caller's
 * W3C `traceparent` continued, and ours sent on to the vendors. The code uses only the API, which
 * does nothing until an SDK is registered (tracingSdk.ts).
 */
import { SpanKind, SpanStatusCode, context, defaultTextMapSetter, propagation, trace, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const tracer = trace.getTracer('chat-gateway');

/**
 * Whether an SDK is registered (tracingSdk.ts sets it). Without one the API's spans, contexts and
 * propagation do nothing, yet each costs closures and calls on every operation and vendor call
 * (~3.6 % of the gateway's CPU in the distinct-caller benchmark): they are skipped outright.
 */
let active = false;
export const tracingActive = () => active;
export const markTracingActive = () => void (active = true);

const headerGetter = {
  keys: (headers: Headers) => [...headers.keys()],
  get: (headers: Headers, key: string) => headers.get(key) ?? undefined,
};

/** Ends a span with an error status when the work failed. */
export function finish(span: Span, error?: unknown) {
  if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
  span.end();
}

/** One span per GraphQL operation, child of the caller's trace when it sent a traceparent. */
export function useOperationSpans(): Plugin {
  return {
    instrumentation: {
      operation({ request }, wrapped) {
        if (!active) return wrapped();
        const parent = propagation.extract(context.active(), request.headers, headerGetter);
        return tracer.startActiveSpan('graphql.operation', { kind: SpanKind.SERVER }, parent, async (span) => {
          try {
            await wrapped();
            finish(span);
          } catch (error) {
            finish(span, error);
            throw error;
          }
        });
      },
    },
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName);
      const span = trace.getActiveSpan();
      if (!operation || !span) return;
      span.setAttribute('graphql.operation.type', operation.operation);
      if (operation.name) span.setAttribute('graphql.operation.name', operation.name.value);
    },
  };
}

/**
 * Adds the active trace's W3C trace context (`traceparent`, `tracestate`) to a vendor request's
 * headers. Only trace context: a caller's `baggage` is not fanned out to the vendors.
 */
const traceContext = new W3CTraceContextPropagator();
export function withTraceHeaders(headers: Record<string, string>): Record<string, string> {
  if (!active) return headers;
  const carrier: Record<string, string> = { ...headers };
  traceContext.inject(context.active(), carrier, defaultTextMapSetter);
  return carrier;
}

export { SpanKind };
