"""Describe a business, get an organization staffed with one agent per chosen role."""
