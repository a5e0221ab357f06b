"""``/metrics``: every process's counters merged, plus figures computed at scrape time.

Counters and histograms are moved where events happen (``mabos.metrics.definitions``) and
live in per-process files (multiprocess mode, ``mabos.metrics.directory``); a
scrape merges the files of every process group on this machine.

What lives elsewhere is read when Prometheus asks, never cached and never a
constant: the health of every component (the same checks as readiness), live
workers and beat (heartbeats), pending and dead deliveries (one aggregate
query), and each circuit breaker's shared state.

Access: ``Authorization: Bearer <METRICS_TOKEN>``, or a client address in
``METRICS_ALLOWED_IPS``. A wrong token is refused even from an allowed address:
whoever sends one meant to use it.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import struct
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from mabos.health.registry import run_health_checks
from mabos.heartbeats import heartbeats_alive
from mabos.metrics.definitions import BREAKER_STATE
from mabos.metrics.directory import ENV_VAR, group_files
from mabos.request_context import client_ip
from mabos.resilience.breakers import all_breakers

logger = logging.getLogger("mabos.metrics")

BREAKER_STATE_VALUES = {"closed": 0, "half-open": 1, "open": 2}


class GroupFilesCollector(Collector):
    """Merge the multiprocess files of every process group under METRICS_DIR."""

    def __init__(self, root: str):
        self.root = root

    def collect(self) -> Iterator:
        for _attempt in range(3):
            try:
                return iter(MultiProcessCollector.merge(group_files(self.root), accumulate=True))
            except (FileNotFoundError, struct.error):
                # A dead group was archived (its files moved into the new archive), or a process was
                # creating a file, between the listing and the read: list again rather than fail.
                continue
        return iter(MultiProcessCollector.merge(group_files(self.root), accumulate=True))


class ScrapeTimeCollector(Collector):
    """Figures whose truth lives outside this process, computed on every scrape."""

    def describe(self) -> list:
        return []  # nothing to announce in advance: registering must not run the checks

    def collect(self) -> Iterator:
        yield from self._components()
        yield from self._heartbeats()
        yield from self._deliveries()
        yield from self._supervision()
        yield from self._learning()

    def _components(self) -> Iterator:
        up = GaugeMetricFamily("mabos_component_up", "Component health check passes (1) or fails (0).",
                               labels=["component", "critical"])
        seconds = GaugeMetricFamily("mabos_component_check_seconds", "Latency of the component's health check.",
                                    labels=["component"])
        for result in run_health_checks():
            up.add_metric([result.name, "true" if result.critical else "false"], 1.0 if result.ok else 0.0)
            seconds.add_metric([result.name], result.latency_ms / 1000)
        yield up
        yield seconds

    def _heartbeats(self) -> Iterator:
        for role, name in (("worker", "mabos_workers_alive"), ("beat", "mabos_beat_alive")):
            try:
                count = len(heartbeats_alive(role))
            except Exception as exc:  # the cache is down: say nothing rather than "0 workers"
                logger.warning("%s not computed: %s", name, type(exc).__name__)
                continue
            yield GaugeMetricFamily(name, f"Live {role} processes, from their heartbeats.", value=count)

    def _deliveries(self) -> Iterator:
        counts = delivery_backlog()
        if counts is None:
            return
        yield GaugeMetricFamily("mabos_deliveries_pending",
                                "Deliveries not yet handed over (pending, dispatched, failed awaiting retry).",
                                value=counts["pending"])
        yield GaugeMetricFamily("mabos_deliveries_dead", "Dead letters waiting for an operator.",
                                value=counts["dead"])


    def _learning(self) -> Iterator:
        figures = learning_figures()
        if figures is None:
            return
        yield GaugeMetricFamily("mabos_learning_outcomes_unrolled", "Plan outcomes the roll-up has not counted yet.",
                                value=figures["unrolled"])
        if figures["rollup_age_seconds"] is not None:
            yield GaugeMetricFamily("mabos_learning_rollup_age_seconds", "Seconds since the last roll-up that "
                                    "counted outcomes.", value=figures["rollup_age_seconds"])

    def _supervision(self) -> Iterator:
        figures = supervision_figures()
        if figures is None:
            return
        beats, states = figures
        yield GaugeMetricFamily("mabos_supervision_heartbeat_oldest_seconds",
                                "Age of the oldest heartbeat among active agents a policy supervises "
                                "(0 when none has beaten yet).", value=beats["oldest_age"] or 0.0)
        within = GaugeMetricFamily("mabos_supervision_heartbeat_within_agents",
                                   "Active supervised agents whose heartbeat is at most this old (seconds).",
                                   labels=["le"])
        for age, count in beats["within"]:
            within.add_metric([str(age)], count)
        within.add_metric(["+Inf"], beats["total"] - beats["never"])
        yield within
        yield GaugeMetricFamily("mabos_supervision_heartbeat_never_agents",
                                "Active supervised agents that have never beaten.", value=beats["never"])
        agents = GaugeMetricFamily("mabos_supervision_agents", "Agents by supervision state.", labels=["state"])
        for state in ("failed", "restart_due", "stale"):
            agents.add_metric([state], states[state])
        yield agents


def learning_figures() -> dict[str, Any] | None:
    """Outcomes not yet rolled up and the last roll-up's age (two small queries); None when the database
    cannot say."""
    from agents.learning.figures import rollup_figures  # see delivery_backlog
    try:
        return rollup_figures()
    except Exception as exc:  # the database is down: the database component says so
        logger.warning("learning figures not computed: %s", type(exc).__name__)
        return None


def supervision_figures() -> tuple[dict, dict] | None:
    """Heartbeat ages and agents by state (two aggregate queries); None when the database cannot say."""
    from agents.supervision.health import heartbeat_figures, state_counts  # see delivery_backlog
    try:
        return heartbeat_figures(), state_counts()
    except Exception as exc:  # the database is down: the database component says so
        logger.warning("supervision figures not computed: %s", type(exc).__name__)
        return None


def delivery_backlog() -> dict[str, int] | None:
    """Pending and dead deliveries in one aggregate query; None when the database cannot say."""
    # Imported here, not at the top: mabos.dashboard, an app config Django imports before any model can
    # load, imports this module.
    from agents.messaging.models import NOT_HANDED_OVER, Delivery, DeliveryStatus
    try:
        return Delivery.objects.filter(status__in=[*NOT_HANDED_OVER, DeliveryStatus.DEAD]).aggregate(
            pending=Count("pk", filter=Q(status__in=NOT_HANDED_OVER)),
            dead=Count("pk", filter=Q(status=DeliveryStatus.DEAD)),
        )
    except Exception as exc:  # the database is down: the database component says so
        logger.warning("delivery backlog not computed: %s", type(exc).__name__)
        return None


def refresh_breaker_states() -> None:
    """Set each breaker's gauge from its shared state: another process may have opened it."""
    for name, item in all_breakers().items():
        try:
            BREAKER_STATE.labels(breaker=name).set(BREAKER_STATE_VALUES.get(item.current_state, 0))
        except Exception as exc:
            logger.warning("state of breaker %s not read: %s", name, type(exc).__name__)


def build_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(ENV_VAR):
        registry.register(GroupFilesCollector(settings.METRICS_DIR))
    else:  # a single process (multiprocess mode off): its own default registry holds everything
        registry = REGISTRY
    registry.register(ScrapeTimeCollector())
    return registry


@lru_cache(maxsize=1)
def _registry() -> CollectorRegistry:
    return build_registry()


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def scrape_allowed(request: HttpRequest) -> int:
    """0 when allowed; otherwise the status to refuse with (401 no credentials, 403 wrong ones)."""
    token = getattr(settings, "METRICS_TOKEN", None) or ""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, offered = header.partition(" ")
        ok = (bool(token) and scheme.lower() == "bearer"
              and hmac.compare_digest(offered.strip().encode(), token.encode()))
        return 0 if ok else 403
    ip = client_ip(request)
    if ip:
        address = ipaddress.ip_address(ip)
        if any(address in net for net in _networks(tuple(settings.METRICS_ALLOWED_IPS))):
            return 0
    return 401


@never_cache
@require_http_methods(["GET", "HEAD"])
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text (or OpenMetrics when asked) for allowed scrapers; one word for anyone else."""
    refused = scrape_allowed(request)
    if refused:
        response = HttpResponse("forbidden\n" if refused == 403 else "unauthorized\n", status=refused,
                                content_type="text/plain; charset=utf-8")
        if refused == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    refresh_breaker_states()
    encoder, content_type = choose_encoder(request.META.get("HTTP_ACCEPT", ""))
    try:
        body = encoder(_registry())
    except ValueError:  # an Accept asking for a format version we cannot produce
        return HttpResponse("unsupported Accept header\n", status=406, content_type="text/plain; charset=utf-8")
    return HttpResponse(body, content_type=content_type)
