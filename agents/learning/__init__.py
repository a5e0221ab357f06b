"""Learning (plan outcomes, statistics, selection policies, experience sharing): empty until its issue."""
