"""Interaction protocols (request, query, contract-net, subscribe) over messaging: empty until issue 13/14."""
