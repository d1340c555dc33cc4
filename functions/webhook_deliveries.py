"""Lambda entry point of the every-minute webhook delivery job: a Chalice app holding only that schedule."""

from typing import Any

from chalice import Chalice, Rate

from chalicelib.jobs import job
from chalicelib.wiring import get_deps

app = Chalice(app_name="cashpilot-webhook-deliveries", configure_logs=False)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def deliver_webhooks(event: Any) -> dict[str, Any]:
    return {"organizations": job("webhook_deliveries").run(get_deps(), None)}
