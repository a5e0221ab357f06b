"""Reading /metrics in tests: parsed samples through the test client, or one sample from a running server."""

from __future__ import annotations

import urllib.request

from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families


def auth() -> dict[str, str]:
    """The test client's header carrying the metrics token."""
    return {"HTTP_AUTHORIZATION": f"Bearer {settings.METRICS_TOKEN}"}


def parse(text: str) -> dict[tuple[str, tuple], float]:
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def scrape(client) -> dict[tuple[str, tuple], float]:
    """/metrics through the test client, from an address that needs the token, parsed into samples."""
    response = client.get("/metrics", REMOTE_ADDR="10.9.9.9", **auth())
    assert response.status_code == 200, response.content
    return parse(response.content.decode())


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape_server(base: str) -> str:
    """/metrics of a running web process: every process group's counters, merged."""
    request = urllib.request.Request(f"{base}/metrics", headers={"Authorization": f"Bearer {settings.METRICS_TOKEN}"})
    with urllib.request.urlopen(request, timeout=15) as resp:
        return resp.read().decode()


def metric(base: str, series: str) -> float | None:
    """One sample as scraped, e.g. ``mabos_deliveries_finished_total{status="acked"}``; None if absent."""
    prefix = f"{series} "
    return next((float(line[len(prefix):]) for line in scrape_server(base).splitlines() if line.startswith(prefix)),
                None)


def breaker_state(base: str, name: str) -> float | None:
    """The breaker's state as scraped from /metrics (0 closed, 1 half-open, 2 open), None if absent."""
    return metric(base, f'mabos_circuit_breaker_state{{breaker="{name}"}}')
