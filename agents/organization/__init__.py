"""Organizations, agent roles (global templates and organization roles) and the grants on organizations."""
