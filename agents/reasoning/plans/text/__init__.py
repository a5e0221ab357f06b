"""The text form of plans: ``grammar.lark`` (lark, LALR), ``parsing`` (text to JSON), ``printing`` (JSON to text),
``syntax_errors`` (how an error is told)."""

from agents.reasoning.plans.text.parsing import canonical_expression, text_to_plans, text_to_term
from agents.reasoning.plans.text.printing import plan_to_text, plans_to_text, step_to_text, term_to_text

__all__ = ["canonical_expression", "plan_to_text", "plans_to_text", "step_to_text", "term_to_text", "text_to_plans",
           "text_to_term"]
