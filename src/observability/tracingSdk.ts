/**
 * The OpenTelemetry SDK, registered when OTEL_EXPORTER_OTLP_ENDPOINT is set (tests register one
 * with an in-memory exporter). A module of its own so that a gateway without tracing never loads
 * the SDK and the OTLP exporter (about 5 MiB of resident memory).
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { markTracingActive } from './tracing.js';

/** Registers the SDK (W3C trace-context propagation included) with the given span processors. */
export function registerTracing(processors: SpanProcessor[], serviceName = 'chat-gateway'): NodeTracerProvider {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: processors,
  });
  provider.register();
  markTracingActive();
  return provider;
}

/** OTLP over HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (the exporter reads the standard OTEL_* variables). */
export const startTracing = (serviceName: string) =>
  registerTracing([new BatchSpanProcessor(new OTLPTraceExporter())], serviceName);
