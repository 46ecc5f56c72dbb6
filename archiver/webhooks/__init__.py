"""Near-real-time capture through Meta webhooks (Facebook Page ``feed`` and Instagram ``comments``).

``events`` parses and authenticates deliveries (pure), ``spool`` keeps each event durably before it is
acknowledged, ``receiver`` is the small HTTP service, and ``pipeline.process_webhook_events`` captures the
threads the events name and keeps the events themselves as evidence.
"""
