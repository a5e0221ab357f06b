"""Agents and their lifecycle, groups and memberships, and which agents a caller may see or act as."""
