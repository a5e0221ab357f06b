"""Learning: plan outcomes, their statistics per scope, the selection policies that read them, sharing."""
