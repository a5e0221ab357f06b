"""Atlas Trading, the demo's external supplier: a program outside MABOS that speaks for one external agent
through the API with that agent's key, as any outside runtime would. It reads its inbox, answers the
COO's calls for bids with a price, delivers what is accepted, acks every delivery, and sends a heartbeat.

    python scripts/external_supplier.py --agent <atlas id> --key <agent key> [--base http://127.0.0.1:8000/api/v1]

``make run`` starts it for the demo (``manage.py demo_external_supplier``, the Procfile's ``supplier``), with a
fresh key in ``MABOS_AGENT_KEY``.

The key: the admin's page of the agent Atlas Trading, its keys (or ``POST /api/v1/agents/<atlas>/keys/``),
shown once. Only the standard library is used, so it runs anywhere Python 3.11 does. ``--once`` handles what is in the
inbox and stops (the tests use it).
"""

from __future__ import annotations

import argparse
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

#: (method, path under the API base, JSON body or None) -> the decoded JSON answer.
Call = Callable[[str, str, Any], Any]


def answer(message: dict[str, Any], *, name: str, unit_price: float) -> dict[str, Any] | None:
    """What the supplier says to ``message`` (a reply's fields), or None when it says nothing."""
    content = message.get("content")
    if message["performative"] == "cfp":
        units = content.get("units") if isinstance(content, dict) else None
        if not isinstance(units, int | float) or isinstance(units, bool) or units <= 0:
            return {"performative": "refuse", "content": {"reason": "a call for bids names its units"}}
        return {"performative": "propose", "content": {"price": round(unit_price * units, 2), "supplier": name}}
    if message["performative"] == "accept-proposal":
        return {"performative": "inform", "content": {"done": content}}
    return None  # reject-proposal, cancel, anything else: noted by the ack


def handle_inbox(call: Call, *, agent: str, name: str, unit_price: float) -> int:
    """Answer and ack every delivery waiting in the agent's inbox; the number handled."""
    deliveries = call("GET", f"/agents/{agent}/inbox/?page_size=50", None)["results"]
    for delivery in deliveries:
        message = delivery["message"]
        reply = answer(message, name=name, unit_price=unit_price)
        if reply is not None and message.get("sender_agent"):
            call("POST", "/messages/", {
                "sender": agent, "to": [message["sender_agent"]], "conversation_id": message["conversation_id"],
                "in_reply_to": message["id"], "protocol": message.get("protocol", ""),
                # the same delivery handled twice (a crash before the ack) sends its reply once
                "idempotency_key": f"atlas:{delivery['id']}", **reply})
        call("POST", f"/deliveries/{delivery['id']}/ack/", {})
    return len(deliveries)


def http_call(base: str, key: str) -> Call:
    if not base.startswith(("http://", "https://")):
        raise SystemExit(f"--base must be an http(s) URL, not {base!r}")

    def call(method: str, path: str, body: Any) -> Any:
        request = urllib.request.Request(base.rstrip("/") + path, method=method,  # noqa: S310 (checked: http(s))
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"Agent {key}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read() or b"null")
    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000/api/v1")
    parser.add_argument("--agent", required=True, help="the external agent's id")
    parser.add_argument("--key", default=os.environ.get("MABOS_AGENT_KEY"),
                        required="MABOS_AGENT_KEY" not in os.environ,
                        help="the agent's API key (default: $MABOS_AGENT_KEY, which `ps` does not show)")
    parser.add_argument("--name", default="Atlas Trading")
    parser.add_argument("--unit-price", type=float, default=5.5)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between two looks at the inbox")
    parser.add_argument("--once", action="store_true")
    options = parser.parse_args()
    call = http_call(options.base, options.key)
    while True:
        try:
            call("POST", f"/agents/{options.agent}/heartbeat/", {"status": "ok"})
            handled = handle_inbox(call, agent=options.agent, name=options.name, unit_price=options.unit_price)
            if handled:
                print(f"handled {handled} deliveries", flush=True)
        except urllib.error.URLError as exc:  # MABOS restarting: try again at the next turn
            print(f"MABOS not answering: {exc}", flush=True)
        if options.once:
            return
        time.sleep(options.interval)


if __name__ == "__main__":
    main()
