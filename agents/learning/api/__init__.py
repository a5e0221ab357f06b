"""The learning API: a plan's stats, selection policies, a group's sharing switch (docs/learning.md, "The API")."""
