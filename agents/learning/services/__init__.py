"""Learning's writes: the roll-up of outcomes into statistics, selection policies, group switches, tellHow."""
