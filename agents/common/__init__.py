"""What every concept shares: limits and fields, validation, domain errors, audit helpers, API and admin bases."""
