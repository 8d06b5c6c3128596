"""Special-category data: self-declared attributes, consent to their use, aggregate reports."""
