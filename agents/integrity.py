"""The consistency checks of every package (``autodiscover_modules("integrity")`` imports this by name)."""

from agents.agent import integrity as agent_integrity  # noqa: F401
from agents.keys import integrity as keys_integrity  # noqa: F401
from agents.protocols import integrity as protocols_integrity  # noqa: F401
from agents.reasoning import integrity as reasoning_integrity  # noqa: F401
from agents.reasoning.plans import integrity as plans_integrity  # noqa: F401
from agents.supervision import integrity as supervision_integrity  # noqa: F401
